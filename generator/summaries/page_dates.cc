#include "generator/summaries/page_dates.h"

#include "core/parse_number.h"

namespace portal {

namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool Digits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string ReadableDate(std::string_view d) {
  const std::string as_is(d);
  if (Digits(d, 4)) return as_is;
  if (d.size() < 7 || d[4] != '-' || !Digits(d.substr(0, 4), 4) || !Digits(d.substr(5, 2), 2)) {
    return as_is;
  }
  int month = 0;
  if (!ParseInt(d.substr(5, 2), &month) || month < 1 || month > 12) return as_is;
  const std::string year(d.substr(0, 4));
  if (d.size() == 7) return std::string(kMonths[month - 1]) + " " + year;
  int day = 0;
  if (d.size() != 10 || d[7] != '-' || !Digits(d.substr(8, 2), 2) ||
      !ParseInt(d.substr(8, 2), &day)) {
    return as_is;
  }
  return std::string(kMonths[month - 1]) + " " + std::to_string(day) + ", " + year;
}

mstch::node DateNode(const SummaryDate& date) {
  if (date.text.empty()) return false;
  return mstch::map{{"text", ReadableDate(date.text)}, {"datetime", date.text}};
}

}  // namespace portal
