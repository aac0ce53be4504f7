#define BOOST_TEST_MODULE pull_state_test
// What `portal-gen pull` keeps between runs (<state>/ehr/pull-state.json) and the names it gives
// the files it moves into the extracts folder: a state read back as it was written, a file this
// program did not write refused (a name in it must never move a file out of its folders), and
// names that sort in the order the exports were made.
#include "generator/ehr/pull_state.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "generator/ehr/pull.h"
#include "tests/test_util.h"

namespace portal {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;

// Sets the process's umask for one scope (the programs run with 077: core/state_permissions.h).
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

PullState FullState() {
  PullState s;
  s.since = "2026-11-30T02:00:00.000Z";
  s.job.status_url = "https://ehr.test.invalid/fhir/bulkstatus/42?x=1";
  s.job.since = "2026-11-30T02:00:00.000Z";
  s.moving.transaction_time = "2026-12-01T02:00:00.123Z";
  s.moving.files = {{"0001.ndjson", "ehr-20261201T020000.123Z-0000-Bundle.ndjson", 0, 0},
                    {"0002.ndjson", "ehr-20261201T020000.123Z-0001-Patient.ndjson", 0, 0}};
  s.pending.transaction_time = "2026-11-30T02:00:00.000Z";
  s.pending.files = {
      {"0001.ndjson", "ehr-20261130T020000.000Z-0000-Patient.ndjson", 1234, 1764468000123456789},
      {"0007.ndjson", "ehr-20261130T020000.000Z-0001-Observation.ndjson", 9007199254740993, -1}};
  return s;
}

void CheckFiles(const std::vector<PullState::File>& got, const std::vector<PullState::File>& want) {
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].staged == want[i].staged);
    BOOST_TEST(got[i].name == want[i].name);
    BOOST_TEST(got[i].size == want[i].size);
    BOOST_TEST(got[i].mtime_ns == want[i].mtime_ns);
  }
}

void CheckState(const PullState& got, const PullState& want) {
  BOOST_TEST(got.since == want.since);
  BOOST_TEST(got.job.status_url == want.job.status_url);
  BOOST_TEST(got.job.since == want.job.since);
  BOOST_TEST(got.moving.transaction_time == want.moving.transaction_time);
  CheckFiles(got.moving.files, want.moving.files);
  BOOST_TEST(got.pending.transaction_time == want.pending.transaction_time);
  CheckFiles(got.pending.files, want.pending.files);
}

// A state file as the program writes it, with `files` as the pending export's files[].
std::string StateText(const std::string& files, int version = 1) {
  return "{\"version\": " + std::to_string(version) +
         ", \"since\": \"2026-11-30T02:00:00Z\","
         " \"job\": {\"status_url\": \"\", \"since\": \"\"},"
         " \"moving\": {\"transaction_time\": \"\", \"files\": []},"
         " \"pending\": {\"transaction_time\": \"2026-12-01T02:00:00Z\", \"files\": [" +
         files + "]}}\n";
}

std::string FileEntry(const std::string& staged, const std::string& name) {
  return "{\"staged\": \"" + staged + "\", \"name\": \"" + name +
         "\", \"size\": 10, \"mtime_ns\": 20}";
}

// Loads `text` written by hand, expecting InvalidInput naming the file and `what`.
void ExpectRefused(const std::string& text, const std::string& what) {
  TempDir dir;
  const fs::path path = dir.path() / "pull-state.json";
  Spit(path, text);
  PullState state;
  state.since = "left over";
  const Status st = LoadPullState(path, &state);
  BOOST_TEST_REQUIRE(!st.ok(), "accepted: " << text);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  BOOST_TEST(st.message().find("pull-state.json") != std::string::npos,
             "'" << st.message() << "' does not name the file");
  BOOST_TEST(st.message().find(what) != std::string::npos,
             "'" << st.message() << "' does not name " << what);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_the_empty_state) {
  TempDir dir;
  PullState state = FullState();
  const Status st = LoadPullState(dir.path() / "ehr" / "pull-state.json", &state);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  CheckState(state, PullState());
}

BOOST_AUTO_TEST_CASE(every_field_is_read_back_as_saved) {
  TempDir dir;
  const fs::path path = dir.path() / "state" / "ehr" / "pull-state.json";  // Folders made.
  const PullState saved = FullState();
  Status st = SavePullState(path, saved);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  PullState loaded;
  st = LoadPullState(path, &loaded);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  CheckState(loaded, saved);
  // Saved again, it replaces the file: the empty state, then a state with only a job.
  BOOST_TEST_REQUIRE(SavePullState(path, PullState()).ok());
  BOOST_TEST_REQUIRE(LoadPullState(path, &loaded).ok());
  CheckState(loaded, PullState());
  PullState job;
  job.job.status_url = "https://ehr.test.invalid/status/1";
  BOOST_TEST_REQUIRE(SavePullState(path, job).ok());
  BOOST_TEST_REQUIRE(LoadPullState(path, &loaded).ok());
  CheckState(loaded, job);
  // No temporary file is left beside it.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    names.push_back(entry.path().filename().string());
  }
  BOOST_TEST((names == std::vector<std::string>{"pull-state.json"}));
}

BOOST_AUTO_TEST_CASE(the_saved_file_is_its_owners_alone) {
  const Umask mask(077);
  TempDir dir;
  const fs::path path = dir.path() / "ehr" / "pull-state.json";
  BOOST_TEST_REQUIRE(SavePullState(path, FullState()).ok());
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u, std::oct << (st.st_mode & 0777));
  BOOST_TEST_REQUIRE(::stat(path.parent_path().c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 077) == 0u, std::oct << (st.st_mode & 0777));
}

BOOST_AUTO_TEST_CASE(a_hand_written_state_is_read) {
  TempDir dir;
  const fs::path path = dir.path() / "pull-state.json";
  Spit(path, StateText(FileEntry("0001.ndjson", "ehr-x-0000-Patient.ndjson")));
  PullState state;
  const Status st = LoadPullState(path, &state);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(state.since == "2026-11-30T02:00:00Z");
  BOOST_TEST(state.pending.transaction_time == "2026-12-01T02:00:00Z");
  CheckFiles(state.pending.files, {{"0001.ndjson", "ehr-x-0000-Patient.ndjson", 10, 20}});
  BOOST_TEST(state.moving.files.empty());
}

BOOST_AUTO_TEST_CASE(another_version_is_refused) {
  ExpectRefused(StateText("", 2), "version");
  ExpectRefused(StateText("", 0), "version");
  // Without a version, or with one that is not an integer.
  ExpectRefused("{\"since\": \"\"}", "version");
  ExpectRefused(
      "{\"version\": \"1\", \"since\": \"\", \"job\": {}, \"moving\": {}, \"pending\": {}}",
      "version");
  ExpectRefused("[]", "version");
}

BOOST_AUTO_TEST_CASE(a_name_that_would_leave_its_folder_is_refused) {
  for (const std::string bad : {"../0001.ndjson", "..", ".", "a/b.ndjson", "/etc/passwd",
                                ".hidden.ndjson", ".ehr-staging", ""}) {
    BOOST_TEST_CONTEXT(bad) {
      // As the extracts-folder name and as the staged name, of pending and of moving.
      ExpectRefused(StateText(FileEntry("0001.ndjson", bad)), "pending.files[0]");
      ExpectRefused(
          StateText(FileEntry("0001.ndjson", "ok.ndjson") + ", " + FileEntry(bad, "ok2.ndjson")),
          "pending.files[1]");
      std::string text = StateText("");
      const std::string from = "\"moving\": {\"transaction_time\": \"\", \"files\": []}";
      text.replace(text.find(from), from.size(),
                   "\"moving\": {\"transaction_time\": \"2026-12-01T02:00:00Z\", \"files\": [" +
                       FileEntry(bad, "ok.ndjson") + "]}");
      ExpectRefused(text, "moving.files[0]");
    }
  }
  // A file entry missing a field, or with one of the wrong type.
  ExpectRefused(StateText("{\"staged\": \"0001.ndjson\", \"name\": \"a.ndjson\", \"size\": 1}"),
                "pending.files[0]");
  ExpectRefused(StateText("{\"staged\": \"0001.ndjson\", \"name\": \"a.ndjson\", \"size\": "
                          "\"1\", \"mtime_ns\": 2}"),
                "pending.files[0]");
  ExpectRefused(StateText("{\"staged\": 1, \"name\": \"a.ndjson\", \"size\": 1, \"mtime_ns\": 2}"),
                "pending.files[0]");
}

BOOST_AUTO_TEST_CASE(names_with_dots_inside_are_kept) {
  // Dots inside a name are a name's own ("ehr-...123Z-...ndjson"), not a way out.
  TempDir dir;
  const fs::path path = dir.path() / "pull-state.json";
  Spit(path, StateText(FileEntry("0001.ndjson", "ehr-20261201T020000.123Z-0000-Patient.ndjson")));
  PullState state;
  const Status st = LoadPullState(path, &state);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST_REQUIRE(state.pending.files.size() == 1u);
  BOOST_TEST(state.pending.files[0].name == "ehr-20261201T020000.123Z-0000-Patient.ndjson");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_refused) {
  // nlohmann alone keeps the last of a key named twice; the state must mean one thing.
  std::string text = StateText("");
  text.replace(text.find("\"since\": \"2026"), 0, "\"since\": \"\", ");
  ExpectRefused(text, "duplicate key");
  ExpectRefused(StateText("{\"staged\": \"0001.ndjson\", \"name\": \"a.ndjson\", \"name\": "
                          "\"../b.ndjson\", \"size\": 1, \"mtime_ns\": 2}"),
                "duplicate key");
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_json_is_refused) {
  ExpectRefused("{\"version\": 1, \"since\": \"2026", "JSON");
  ExpectRefused("", "JSON");
}

// The extracts-folder names (generator/ehr/pull.h).

BOOST_AUTO_TEST_CASE(pulled_file_names_carry_the_instant_in_utc_with_milliseconds) {
  BOOST_TEST(PulledFileName("2026-12-01T10:00:00.123Z", 7, "Observation") ==
             "ehr-20261201T100000.123Z-0007-Observation.ndjson");
  BOOST_TEST(PulledFileName("2026-12-01T11:00:00+01:00", 7, "Observation") ==
             "ehr-20261201T100000.000Z-0007-Observation.ndjson");
  BOOST_TEST(PulledFileName("2026-12-01T08:30:00.25-01:30", 0, "Patient") ==
             "ehr-20261201T100000.250Z-0000-Patient.ndjson");
  BOOST_TEST(PulledFileName("2026-12-01T10:00:00.5Z", 12, "Bundle") ==
             "ehr-20261201T100000.500Z-0012-Bundle.ndjson");
  BOOST_TEST(PulledFileName("2026-12-01T10:00:00.123456789Z", 1, "Patient") ==
             "ehr-20261201T100000.123Z-0001-Patient.ndjson");
  BOOST_TEST(PulledFileName("2026-12-01T10:00:00.987654321+00:00", 1, "Patient") ==
             "ehr-20261201T100000.987Z-0001-Patient.ndjson");
  // The day changes with the offset.
  BOOST_TEST(PulledFileName("2027-01-01T00:30:00.001+01:00", 3, "Condition") ==
             "ehr-20261231T233000.001Z-0003-Condition.ndjson");
}

BOOST_AUTO_TEST_CASE(pulled_file_names_sort_in_time_order) {
  // Pairs of instants, earlier first, each written differently from the other.
  const std::pair<const char*, const char*> pairs[] = {
      {"2026-12-01T10:00:00.123Z", "2026-12-01T10:00:00.124Z"},
      {"2026-12-01T10:00:00.999Z", "2026-12-01T10:00:01Z"},
      {"2026-12-01T10:00:00.5Z", "2026-12-01T10:00:00.51Z"},
      {"2026-12-01T11:00:00+01:00", "2026-12-01T10:30:00Z"},  // 10:00Z before 10:30Z.
      {"2026-12-01T23:59:59.999Z", "2026-12-02T00:00:00.000Z"},
      {"2026-12-31T23:00:00-02:00", "2027-01-01T02:00:00.001+01:00"},  // 01:00:00Z, 01:00:00.001Z.
      {"2026-09-30T10:00:00Z", "2026-10-01T09:00:00Z"},
      {"2026-12-01T10:00:00.123456789Z", "2026-12-01T10:00:00.124Z"},
  };
  for (const auto& [early, late] : pairs) {
    BOOST_TEST_CONTEXT(early << " before " << late) {
      // The index and type of the later export sort first on their own; the instant wins.
      const std::string a = PulledFileName(early, 9999, "Patient");
      const std::string b = PulledFileName(late, 0, "AllergyIntolerance");
      // Compared as strings (BOOST_TEST alone would compare them as collections).
      const bool sorted = a < b;
      BOOST_TEST(sorted, a << " !< " << b);
    }
  }
  // Within one export, by index.
  const std::string nine = PulledFileName("2026-12-01T10:00:00Z", 9, "Patient");
  const std::string ten = PulledFileName("2026-12-01T10:00:00Z", 10, "Bundle");
  const bool sorted = nine < ten;
  BOOST_TEST(sorted, nine << " !< " << ten);
}

BOOST_AUTO_TEST_CASE(a_field_of_the_wrong_type_is_refused_not_guessed) {
  // A `since` read as "" would export everything; one read wrong could skip a night.
  ExpectRefused("{\"version\": 1, \"since\": 5}", "since");
  ExpectRefused("{\"version\": 1, \"since\": \"yesterday\"}", "since");
  ExpectRefused("{\"version\": 1}", "since");
  std::string text = StateText("");
  text.replace(text.find("\"job\": {"), 8, "\"job\": \"y\", \"x\": {");
  ExpectRefused(text, "job");
  text = StateText("");
  const std::string url = "\"status_url\": \"\"";
  text.replace(text.find(url), url.size(), "\"status_url\": \"file:///etc/passwd\"");
  ExpectRefused(text, "job.status_url");
  text = StateText("");
  const std::string moving = "\"moving\": {\"transaction_time\": \"\", \"files\": []}";
  text.replace(text.find(moving), moving.size(), "\"moving\": 3");
  ExpectRefused(text, "moving");
  text = StateText(FileEntry("0001.ndjson", "a.ndjson"));
  const std::string tt = "\"transaction_time\": \"2026-12-01T02:00:00Z\"";
  text.replace(text.find(tt), tt.size(), "\"transaction_time\": \"\"");
  ExpectRefused(text, "pending.files");
}

}  // namespace
}  // namespace portal
