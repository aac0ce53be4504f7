#define BOOST_TEST_MODULE ndjson_check_test
// The check every downloaded Bulk Data file passes before it reaches the extracts folder: NDJSON
// whose every non-blank line is a resource of the file's type (IG v2, "Bulk Data Output File
// Request"). Errors name the line, never its content (a line is a patient's record).
#include "generator/ehr/ndjson_check.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "tests/test_util.h"

namespace portal {
namespace {

using testing::Spit;
using testing::TempDir;

// A fake patient's name, planted in bad lines: no message may quote it.
constexpr char kName[] = "Testperson";

Status Check(const TempDir& dir, const std::string& text, const std::string& type,
             NdjsonCounts* counts) {
  const auto path = dir.path() / "0001.ndjson";
  Spit(path, text);
  return CheckNdjson(path, type, counts);
}

// Checks `text` as a file of `type`, expecting InvalidInput naming `line` and not quoting kName.
void ExpectRefused(const std::string& text, const std::string& type, const std::string& line,
                   const std::string& what) {
  TempDir dir;
  NdjsonCounts counts;
  const Status st = Check(dir, text, type, &counts);
  BOOST_TEST_REQUIRE(!st.ok(), "accepted: " << text);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  BOOST_TEST(st.message().find(line + ": ") != std::string::npos,
             "'" << st.message() << "' does not name " << line);
  BOOST_TEST(st.message().find(what) != std::string::npos,
             "'" << st.message() << "' does not say " << what);
  BOOST_TEST(st.message().find(kName) == std::string::npos,
             "'" << st.message() << "' quotes the line");
}

BOOST_AUTO_TEST_CASE(a_good_file_is_counted_without_its_blank_lines) {
  TempDir dir;
  NdjsonCounts counts;
  counts.lines = 99;  // Reset by the call.
  counts.bundle_deletions = 99;
  const std::string text =
      "{\"resourceType\":\"Observation\",\"id\":\"1\"}\n"
      "\n"
      "{\"resourceType\":\"Observation\",\"id\":\"2\",\"status\":\"final\"}\r\n"
      "   \t\n"
      "  {\"id\":\"3\", \"resourceType\" : \"Observation\"}  \n"
      "\n"
      "{\"resourceType\":\"Observation\",\"id\":\"4\"}";  // The last line needs no newline.
  const Status st = Check(dir, text, "Observation", &counts);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(counts.lines == 4);
  BOOST_TEST(counts.bundle_deletions == 0);
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_fine_with_no_lines) {
  TempDir dir;
  NdjsonCounts counts;
  counts.lines = 5;
  Status st = Check(dir, "", "Patient", &counts);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(counts.lines == 0);
  BOOST_TEST(counts.bundle_deletions == 0);
  st = Check(dir, "\n\n \n", "Patient", &counts);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(counts.lines == 0);
}

BOOST_AUTO_TEST_CASE(a_line_that_is_not_json_is_named_by_number_not_content) {
  // Line 3 (the blank line 2 counts as a line of the file).
  ExpectRefused(
      "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"
      "\n"
      "Testperson, Jane; MRN M123456; born 1970-01-01\n"
      "{\"resourceType\":\"Patient\",\"id\":\"2\"}\n",
      "Patient", "line 3", "not JSON");
  // JSON-like but malformed: a bare name, a trailing comma, text after the object.
  ExpectRefused("{\"resourceType\":\"Patient\",\"name\":[{\"family\":Testperson}]}\n", "Patient",
                "line 1", "not JSON");
  ExpectRefused(
      "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"
      "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Testperson\"}],}\n",
      "Patient", "line 2", "not JSON");
  ExpectRefused("{\"resourceType\":\"Patient\"} {\"family\":\"Testperson\"}\n", "Patient", "line 1",
                "not JSON");
}

BOOST_AUTO_TEST_CASE(a_truncated_last_line_is_refused) {
  // A download cut in the middle of a resource leaves half a JSON object.
  const std::string whole =
      "{\"resourceType\":\"Patient\",\"id\":\"1\",\"name\":[{\"family\":\"Testperson\"}]}";
  const std::string text = whole + "\n" + whole + "\n" + whole.substr(0, whole.size() / 2);
  ExpectRefused(text, "Patient", "line 3", "not JSON");
  // Cut just before the closing brace, and with the newline kept.
  ExpectRefused(whole + "\n" + whole.substr(0, whole.size() - 1) + "\n", "Patient", "line 2",
                "not JSON");
}

BOOST_AUTO_TEST_CASE(a_resource_of_another_type_is_refused) {
  ExpectRefused(
      "{\"resourceType\":\"Observation\",\"id\":\"1\"}\n"
      "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Testperson\"}]}\n",
      "Observation", "line 2", "resourceType is not Observation");
  // The type the line claims is not quoted either.
  ExpectRefused("{\"resourceType\":\"Testperson\"}\n", "Observation", "line 1",
                "resourceType is not Observation");
  // Case matters.
  ExpectRefused("{\"resourceType\":\"observation\"}\n", "Observation", "line 1",
                "resourceType is not Observation");
}

BOOST_AUTO_TEST_CASE(a_line_without_a_resource_type_is_refused) {
  ExpectRefused(
      "\n{\"resourceType\":\"Condition\"}\n"
      "{\"id\":\"2\",\"subject\":{\"display\":\"Testperson\"}}\n",
      "Condition", "line 3", "no resourceType");
  // Not a string, or nested only, or not an object at all.
  ExpectRefused("{\"resourceType\":5,\"note\":\"Testperson\"}\n", "Condition", "line 1",
                "no resourceType");
  ExpectRefused("{\"contained\":{\"resourceType\":\"Condition\"},\"note\":\"Testperson\"}\n",
                "Condition", "line 1", "no resourceType");
  ExpectRefused("[\"Testperson\"]\n", "Condition", "line 1", "no resourceType");
  ExpectRefused("\"Testperson\"\n", "Condition", "line 1", "no resourceType");
}

BOOST_AUTO_TEST_CASE(a_bundle_file_counts_its_delete_entries) {
  TempDir dir;
  NdjsonCounts counts;
  // Two Bundles (deleted[] files): three DELETEs, the other entries not deletions.
  const std::string text = R"({"resourceType":"Bundle","type":"transaction","entry":[)"
                           R"({"request":{"method":"DELETE","url":"Patient/1"}},)"
                           R"({"request":{"method":"DELETE","url":"Observation/2"}},)"
                           R"({"request":{"method":"PUT","url":"Observation/3"}},)"
                           R"({"request":{"method":"delete","url":"Observation/4"}},)"
                           R"({"request":{"url":"Observation/5"}},)"
                           R"({"fullUrl":"urn:uuid:6"}]})"
                           "\n\n"
                           R"({"resourceType":"Bundle","type":"transaction","entry":[)"
                           R"({"request":{"method":"POST","url":"Condition"}},)"
                           R"({"request":{"method":"DELETE","url":"Condition/7"}}]})"
                           "\n"
                           R"({"resourceType":"Bundle","type":"transaction"})"
                           "\n";
  const Status st = Check(dir, text, "Bundle", &counts);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(counts.lines == 3);
  BOOST_TEST(counts.bundle_deletions == 3);
}

BOOST_AUTO_TEST_CASE(entries_of_other_types_are_not_deletions) {
  // Only Bundles are looked into: an "entry" member of another type counts nothing.
  TempDir dir;
  NdjsonCounts counts;
  const Status st = Check(dir,
                          R"({"resourceType":"List","entry":[{"request":{"method":"DELETE"}}]})"
                          "\n",
                          "List", &counts);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(counts.lines == 1);
  BOOST_TEST(counts.bundle_deletions == 0);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_io_error) {
  TempDir dir;
  NdjsonCounts counts;
  const Status st = CheckNdjson(dir.path() / "absent.ndjson", "Patient", &counts);
  BOOST_TEST((st.code() == Status::Code::kIoError));
  BOOST_TEST(st.message().find("absent.ndjson") != std::string::npos, st.message());
}

}  // namespace
}  // namespace portal
