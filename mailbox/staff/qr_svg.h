#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace portal {

// A QR code (libqrencode, error correction level M, 8-bit mode, the smallest version that fits)
// of `text`, drawn as an inline SVG: one <rect> per horizontal run of dark modules in a
// 4-module quiet zone, one user unit per module, `size_css` the printed width ("40mm").
// InvalidInput if the text does not fit a QR code.
Status QrSvg(std::string_view text, const std::string& size_css, std::string* svg);

}  // namespace portal
