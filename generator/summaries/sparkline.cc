#include "generator/summaries/sparkline.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "core/html_escape.h"
#include "generator/summaries/page_dates.h"

namespace portal {

namespace {

constexpr double kWidth = 120, kHeight = 32, kPad = 3;

struct Plotted {
  double t = 0, v = 0;
  const ResultPoint* point = nullptr;
};

// The value as a number, if it is a plain one ("12.50", "-3"; not "<20", not "Positive").
bool PlainNumber(const SummaryValue& value, double* out) {
  if (!value.comparator.empty() || value.number.empty()) return false;
  const char* end = value.number.data() + value.number.size();
  const auto r = std::from_chars(value.number.data(), end, *out);
  return r.ec == std::errc() && r.ptr == end;
}

std::string Coord(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

// Maps v from [lo, hi] onto [from, to]; the middle when the range is empty.
double Scale(double v, double lo, double hi, double from, double to) {
  if (hi <= lo) return (from + to) / 2;
  return from + (v - lo) / (hi - lo) * (to - from);
}

std::string Label(const std::string& test_label, const std::vector<Plotted>& plotted) {
  std::string label = test_label + ", oldest first: ";
  for (size_t i = 0; i < plotted.size(); ++i) {
    if (i > 0) label += "; ";
    label += plotted[i].point->value.Display();
    if (!plotted[i].point->date.text.empty()) {
      label += " on " + ReadableDate(plotted[i].point->date.text);
    }
  }
  return label;
}

}  // namespace

std::string SparklineSvg(const std::string& test_label, const std::vector<ResultPoint>& points) {
  std::vector<Plotted> plotted;
  for (auto it = points.rbegin(); it != points.rend(); ++it) {  // Oldest first.
    Plotted p;
    if (!PlainNumber(it->value, &p.v)) continue;
    p.t = static_cast<double>(it->date.when);
    p.point = &*it;
    plotted.push_back(p);
  }
  if (plotted.empty()) return "";
  double t0 = plotted.front().t, t1 = t0, lo = plotted.front().v, hi = lo;
  for (const auto& p : plotted) {
    t0 = std::min(t0, p.t), t1 = std::max(t1, p.t), lo = std::min(lo, p.v), hi = std::max(hi, p.v);
  }
  std::string points_attr;
  double x = 0, y = 0;
  for (const auto& p : plotted) {
    x = Scale(p.t, t0, t1, kPad, kWidth - kPad);
    y = Scale(p.v, lo, hi, kHeight - kPad, kPad);  // Higher values nearer the top.
    if (!points_attr.empty()) points_attr += ' ';
    points_attr += Coord(x) + "," + Coord(y);
  }
  std::string svg =
      "<svg class=\"spark\" role=\"img\" viewBox=\"0 0 120 32\" width=\"120\" "
      "height=\"32\" aria-label=\"" +
      HtmlEscape(Label(test_label, plotted)) + "\">";
  if (plotted.size() > 1) {
    svg += "<polyline points=\"" + points_attr +
           "\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" "
           "stroke-linejoin=\"round\" stroke-linecap=\"round\"/>";
  }
  svg +=
      "<circle cx=\"" + Coord(x) + "\" cy=\"" + Coord(y) + "\" r=\"2.5\" fill=\"currentColor\"/>";
  return svg + "</svg>";
}

}  // namespace portal
