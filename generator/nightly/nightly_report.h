#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/phase_clock.h"
#include "generator/ehr/pull.h"
#include "generator/records/ingest_report.h"

namespace portal {

// What one nightly run did, for operators: counts, reasons and phase times; never PHI.
struct NightlyReport {
  std::string started;  // UTC, ISO 8601.
  std::string as_of;
  int shard = 0;
  int shard_count = 1;
  int jobs = 1;
  bool full = false;

  bool pulled = false;  // [ehr] is configured and this shard pulls (shard 0).
  PullReport pull;
  std::string pull_error;  // Why the pull failed ("" if it did not).

  size_t extract_files_read = 0;
  size_t extract_files_known = 0;  // Already read by an earlier run, unchanged: skipped.
  size_t records_read = 0;
  size_t records_failed = 0;
  size_t patients_touched = 0;
  std::map<std::string, IngestTypeCounts> record_types;  // Of the records read, by type.
  size_t site_files = 0;  // 0 when this shard does not render the site.

  // The patient directory (shard 0 writes it); the counts are of a rebuilt one.
  bool directory_rebuilt = false;
  size_t directory_patients = 0;    // Entries: patients with an MRN.
  size_t directory_with_email = 0;  // Of them, with a current e-mail address.
  size_t directory_left_out = 0;    // Patients whose MRN is on another too, or unreadable.

  size_t enrolled = 0;  // Enrolled patients in this shard.
  size_t examined = 0;  // Patients whose records were read again (the rest were unchanged).
  // Pages (files): a patient's own summary.html.pgp and, with a proxy, summary-proxy.html.pgp,
  // each counted; the *_proxy counts say how many of them were proxies' pages.
  size_t rendered = 0;   // Pages made and sealed again.
  size_t unchanged = 0;  // Pages left as published (nothing they depend on changed).
  size_t removed = 0;    // Pages removed (unenrolled, not eligible, deleted, no key left).
  size_t rendered_proxy = 0;
  size_t unchanged_proxy = 0;
  size_t removed_proxy = 0;
  std::map<std::string, size_t> skipped;  // Reason -> patients without a summary.
  size_t failed = 0;
  std::vector<std::string> failures;  // "patient <token prefix>: problem"; no record values.
  PhaseClock clock;
  long peak_rss_mib = 0;  // Of portal-gen itself (its gpg helpers stay near 4 MiB each).

  size_t Skipped() const;
  std::string ToJson() const;
  // Four lines for stderr.
  std::string HumanSummary() const;
};

}  // namespace portal
