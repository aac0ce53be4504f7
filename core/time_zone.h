#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace date {
class time_zone;
}

namespace portal {

// The hospital's time zone (an IANA name such as "America/New_York", from the system's tzdata):
// what a patient reads as a date is the date where the record was made, never the UTC date.
// A cheap handle; copies share the zone.
class TimeZone {
 public:
  TimeZone();  // UTC.
  // InvalidInput naming `name` (a config value, never PHI) if the zone is unknown.
  static Status Load(const std::string& name, TimeZone* out);

  const std::string& name() const { return name_; }
  // The local calendar date of an instant: "2016-12-31".
  std::string LocalDate(int64_t instant) const;
  // The local date and time of an instant, to the minute: "2016-12-31 22:58".
  std::string LocalDateTime(int64_t instant) const;
  // The instant the local day year-month-day begins (the first moment that exists, across a
  // daylight-saving gap).
  int64_t StartOfDay(int year, unsigned month, unsigned day) const;

 private:
  const date::time_zone* zone_ = nullptr;  // nullptr = UTC.
  std::string name_ = "UTC";
};

}  // namespace portal
