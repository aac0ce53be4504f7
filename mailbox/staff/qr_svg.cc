#include "mailbox/staff/qr_svg.h"

#include <qrencode.h>

#include <memory>

namespace portal {

namespace {

constexpr int kQuietZone = 4;  // Modules of white around the symbol (ISO/IEC 18004).

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};
using QrCode = std::unique_ptr<QRcode, QrFree>;

bool Dark(const QRcode& q, int x, int y) { return (q.data[y * q.width + x] & 1) != 0; }

// The dark runs of row `y`, as rects offset by the quiet zone.
std::string RowRects(const QRcode& q, int y) {
  std::string out;
  for (int x = 0; x < q.width;) {
    if (!Dark(q, x, y)) {
      ++x;
      continue;
    }
    int end = x;
    while (end < q.width && Dark(q, end, y)) ++end;
    out += "<rect x=\"" + std::to_string(x + kQuietZone) + "\" y=\"" +
           std::to_string(y + kQuietZone) + "\" width=\"" + std::to_string(end - x) +
           "\" height=\"1\"/>";
    x = end;
  }
  return out;
}

}  // namespace

Status QrSvg(std::string_view text, const std::string& size_css, std::string* svg) {
  const std::string data(text);  // libqrencode wants a NUL-terminated string.
  QrCode q(QRcode_encodeString(data.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, /*casesensitive=*/1));
  if (!q) return Status::InvalidInput("the address does not fit a QR code");
  const std::string side = std::to_string(q->width + 2 * kQuietZone);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side + " " + side +
                    "\" width=\"" + size_css + "\" height=\"" + size_css +
                    "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">" +
                    "<rect width=\"" + side + "\" height=\"" + side + "\" fill=\"#fff\"/>" +
                    "<g fill=\"#000\">";
  for (int y = 0; y < q->width; ++y) out += RowRects(*q, y);
  out += "</g></svg>";
  *svg = std::move(out);
  return Status::Ok();
}

}  // namespace portal
