#include "core/time_zone.h"

#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace portal {

TimeZone::TimeZone() = default;

Status TimeZone::Load(const std::string& name, TimeZone* out) {
  TimeZone zone;
  zone.name_ = name;
  if (name != "UTC") {
    try {
      zone.zone_ = date::locate_zone(name);
    } catch (const std::exception&) {
      return Status::InvalidInput("time zone '" + name +
                                  "' is not known to this system's tzdata (use an IANA name "
                                  "such as America/New_York)");
    }
  }
  *out = std::move(zone);
  return Status::Ok();
}

std::string TimeZone::LocalDate(int64_t instant) const {
  const date::sys_seconds t{std::chrono::seconds{instant}};
  const auto local =
      zone_ == nullptr ? date::local_seconds{t.time_since_epoch()} : zone_->to_local(t);
  const date::year_month_day ymd{date::floor<date::days>(local)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string TimeZone::LocalDateTime(int64_t instant) const {
  const date::sys_seconds t{std::chrono::seconds{instant}};
  const auto local =
      zone_ == nullptr ? date::local_seconds{t.time_since_epoch()} : zone_->to_local(t);
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::seconds> time{local - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()));
  return buf;
}

int64_t TimeZone::StartOfDay(int year, unsigned month, unsigned day) const {
  const date::local_days local{date::year{year} / date::month{month} / date::day{day}};
  if (zone_ == nullptr) return local.time_since_epoch() / std::chrono::seconds{1};
  const date::local_seconds midnight{local};
  const auto info = zone_->get_info(midnight);
  date::sys_seconds start;
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // The earlier of the two moments.
      start = date::sys_seconds{midnight.time_since_epoch()} - info.first.offset;
      break;
    case date::local_info::nonexistent:  // Midnight skipped: the day begins at the transition.
      start = info.second.begin;
      break;
  }
  return start.time_since_epoch() / std::chrono::seconds{1};
}

}  // namespace portal
