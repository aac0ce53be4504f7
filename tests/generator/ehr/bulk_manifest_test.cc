#define BOOST_TEST_MODULE bulk_manifest_test
// The Bulk Data complete-status manifest (IG v2, "Response - Complete Status") and the
// OperationOutcome words the client may show: what is read, what is refused, and that errors
// name the field but never quote a value (a URL's query or a diagnostics text may carry PHI).
#include "generator/ehr/bulk_manifest.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portal {
namespace {

using nlohmann::json;

json ValidManifest() {
  return json::parse(R"({
    "transactionTime": "2024-05-01T12:00:00.000Z",
    "request": "https://ehr.test.invalid/fhir/$export?_type=Patient,Observation",
    "requiresAccessToken": true,
    "output": [
      {"type": "Patient", "url": "https://ehr.test.invalid/files/7/Patient.1.ndjson", "count": 3},
      {"type": "Observation", "url": "http://ehr.test.invalid:8080/files/7/Observation.1.ndjson"}
    ],
    "deleted": [
      {"type": "Bundle", "url": "https://ehr.test.invalid/files/7/deleted.1.ndjson", "count": 1}
    ],
    "error": [
      {"type": "OperationOutcome", "url": "https://ehr.test.invalid/files/7/errors.1.ndjson",
       "count": 2}
    ],
    "link": [
      {"relation": "self", "url": "https://ehr.test.invalid/fhir/bulkstatus/7/manifest/1"},
      {"relation": "next", "url": "https://ehr.test.invalid/fhir/bulkstatus/7/manifest/2"}
    ],
    "extension": {"https://ehr.test.invalid/ext": "ignored"}
  })");
}

// Parses `doc` expecting a refusal whose message names `field` and does not contain `value`.
void ExpectRefused(const std::string& text, const std::string& field, const std::string& value) {
  BulkManifest m;
  const Status st = ParseBulkManifest(text, &m);
  BOOST_TEST_REQUIRE(!st.ok(), "accepted: " << text);
  BOOST_TEST((st.code() == Status::Code::kInvalidInput));
  BOOST_TEST(st.message().find(field) != std::string::npos,
             "'" << st.message() << "' does not name " << field);
  if (!value.empty()) {
    BOOST_TEST(st.message().find(value) == std::string::npos,
               "'" << st.message() << "' quotes " << value);
  }
}

BOOST_AUTO_TEST_CASE(a_full_manifest_is_read) {
  BulkManifest m;
  const Status st = ParseBulkManifest(ValidManifest().dump(), &m);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(m.transaction_time == "2024-05-01T12:00:00.000Z");
  BOOST_TEST(m.requires_access_token);
  BOOST_TEST_REQUIRE(m.output.size() == 2u);
  BOOST_TEST(m.output[0].type == "Patient");
  BOOST_TEST(m.output[0].url == "https://ehr.test.invalid/files/7/Patient.1.ndjson");
  BOOST_TEST(m.output[0].count == 3);
  BOOST_TEST(m.output[1].type == "Observation");
  BOOST_TEST(m.output[1].url == "http://ehr.test.invalid:8080/files/7/Observation.1.ndjson");
  BOOST_TEST(m.output[1].count == -1);  // Not stated.
  BOOST_TEST_REQUIRE(m.deleted.size() == 1u);
  BOOST_TEST(m.deleted[0].type == "Bundle");
  BOOST_TEST(m.deleted[0].url == "https://ehr.test.invalid/files/7/deleted.1.ndjson");
  BOOST_TEST(m.deleted[0].count == 1);
  BOOST_TEST_REQUIRE(m.error.size() == 1u);
  BOOST_TEST(m.error[0].type == "OperationOutcome");
  BOOST_TEST(m.error[0].count == 2);
  BOOST_TEST(m.next_url == "https://ehr.test.invalid/fhir/bulkstatus/7/manifest/2");
}

BOOST_AUTO_TEST_CASE(an_export_with_nothing_new_has_an_empty_output) {
  BulkManifest m;
  m.next_url = "left over";
  m.output.push_back({"Patient", "https://x.test.invalid/a", 1});
  const Status st = ParseBulkManifest(
      R"({"transactionTime":"2024-05-01T12:00:00Z","requiresAccessToken":false,"output":[],)"
      R"("error":[]})",
      &m);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(m.output.empty());
  BOOST_TEST(m.deleted.empty());
  BOOST_TEST(m.error.empty());
  BOOST_TEST(m.next_url.empty());
  BOOST_TEST(!m.requires_access_token);
}

BOOST_AUTO_TEST_CASE(transaction_time_offsets_are_instants_too) {
  json doc = ValidManifest();
  doc["transactionTime"] = "2024-05-01T14:00:00.123456+02:00";
  BulkManifest m;
  const Status st = ParseBulkManifest(doc.dump(), &m);
  BOOST_TEST_REQUIRE(st.ok(), st.message());
  BOOST_TEST(m.transaction_time == "2024-05-01T14:00:00.123456+02:00");  // Kept as written.
}

BOOST_AUTO_TEST_CASE(a_manifest_without_output_is_refused) {
  json doc = ValidManifest();
  doc.erase("output");
  doc.erase("deleted");
  ExpectRefused(doc.dump(), "output", "");
  doc["output"] = json::object();
  ExpectRefused(doc.dump(), "output", "");
  doc["output"] = nullptr;
  ExpectRefused(doc.dump(), "output", "");
}

BOOST_AUTO_TEST_CASE(a_bad_url_is_named_by_its_field_never_quoted) {
  json doc = ValidManifest();
  doc["output"][1]["url"] = "files/Observation.1.ndjson?patient=Testperson";  // Relative.
  ExpectRefused(doc.dump(), "output[1].url", "Testperson");
  doc["output"][1]["url"] = "ftp://ehr.test.invalid/Testperson.ndjson";
  ExpectRefused(doc.dump(), "output[1].url", "Testperson");
  doc["output"][1]["url"] = "https://ehr.test.invalid/a file/Testperson.ndjson";  // A space.
  ExpectRefused(doc.dump(), "output[1].url", "Testperson");
  doc["output"][1]["url"] = 42;
  ExpectRefused(doc.dump(), "output[1].url", "");
  doc["output"][1].erase("url");
  ExpectRefused(doc.dump(), "output[1].url", "");

  doc = ValidManifest();
  doc["deleted"][0]["url"] = "javascript:Testperson";
  ExpectRefused(doc.dump(), "deleted[0].url", "Testperson");
  doc = ValidManifest();
  doc["error"][0]["url"] = "//ehr.test.invalid/Testperson";
  ExpectRefused(doc.dump(), "error[0].url", "Testperson");
  doc = ValidManifest();
  doc["link"][1]["url"] = "bulkstatus/Testperson/manifest/2";
  ExpectRefused(doc.dump(), "link.url", "Testperson");
}

BOOST_AUTO_TEST_CASE(a_bad_type_is_named_by_its_field_never_quoted) {
  json doc = ValidManifest();
  doc["output"][0]["type"] = "patient-Testperson";
  ExpectRefused(doc.dump(), "output[0].type", "Testperson");
  doc["output"][0]["type"] = "Patient/Testperson";
  ExpectRefused(doc.dump(), "output[0].type", "Testperson");
  doc["output"][0]["type"] = "";
  ExpectRefused(doc.dump(), "output[0].type", "");
  doc["output"][0].erase("type");
  ExpectRefused(doc.dump(), "output[0].type", "");
  doc = ValidManifest();
  doc["error"][0]["type"] = "Operation Outcome";
  ExpectRefused(doc.dump(), "error[0].type", "Operation Outcome");
}

BOOST_AUTO_TEST_CASE(a_bad_count_is_refused) {
  json doc = ValidManifest();
  doc["output"][0]["count"] = -3;
  ExpectRefused(doc.dump(), "output[0].count", "-3");
  doc["output"][0]["count"] = "3";
  ExpectRefused(doc.dump(), "output[0].count", "");
  doc["output"][0]["count"] = 2.5;
  ExpectRefused(doc.dump(), "output[0].count", "2.5");
}

BOOST_AUTO_TEST_CASE(a_bad_transaction_time_is_refused) {
  json doc = ValidManifest();
  for (const char* bad : {"yesterday-at-noon", "2024-05-01T12:00:00",  // No zone.
                          "2024-13-01T12:00:00Z", "2024-05-01 12:00:00Z",
                          "2024-05-01",  // A date is not an instant (nor a valid next _since).
                          "2024"}) {
    doc["transactionTime"] = bad;
    ExpectRefused(doc.dump(), "transactionTime", bad);
  }
  doc["transactionTime"] = 1714564800;
  ExpectRefused(doc.dump(), "transactionTime", "1714564800");
  doc.erase("transactionTime");
  ExpectRefused(doc.dump(), "transactionTime", "");
}

BOOST_AUTO_TEST_CASE(requires_access_token_must_be_a_boolean) {
  json doc = ValidManifest();
  doc["requiresAccessToken"] = "true";
  ExpectRefused(doc.dump(), "requiresAccessToken", "");
  doc["requiresAccessToken"] = 1;
  ExpectRefused(doc.dump(), "requiresAccessToken", "");
  doc.erase("requiresAccessToken");  // Required by the IG.
  ExpectRefused(doc.dump(), "requiresAccessToken", "");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_refused_by_name) {
  // The same text must mean one thing to every reader: no "last one wins".
  ExpectRefused(R"({"transactionTime":"2024-05-01T12:00:00Z","requiresAccessToken":false,)"
                R"("requiresAccessToken":true,"output":[]})",
                "requiresAccessToken", "");
  ExpectRefused(
      R"({"transactionTime":"2024-05-01T12:00:00Z","requiresAccessToken":false,"output":[)"
      R"({"type":"Patient","url":"https://a.test.invalid/1","url":"https://b.test.invalid/2"}]})",
      "url", "b.test.invalid");
  BulkManifest m;
  const Status st = ParseBulkManifest(
      R"({"transactionTime":"2024-05-01T12:00:00Z","transactionTime":"2024-05-02T12:00:00Z",)"
      R"("requiresAccessToken":false,"output":[]})",
      &m);
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.message().find("duplicate") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("2024-05-02") == std::string::npos, st.message());
}

BOOST_AUTO_TEST_CASE(what_is_not_a_manifest_is_refused) {
  BulkManifest m;
  for (const char* bad : {"", "not json", "[]", "\"manifest\"", "null", "{", "{\"output\":[]}"}) {
    const Status st = ParseBulkManifest(bad, &m);
    BOOST_TEST(!st.ok(), "accepted: " << bad);
    BOOST_TEST(st.message().find("manifest") != std::string::npos, st.message());
  }
}

// --- OperationOutcome -----------------------------------------------------------------------

std::string Joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += w + " ";
  return s;
}

BOOST_AUTO_TEST_CASE(a_transient_outcome_is_worth_retrying) {
  const OutcomeIssues o = ReadOperationOutcome(
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient",)"
      R"("diagnostics":"Patient Alpha Testperson (MRN 000123) is locked, try again"}]})");
  BOOST_TEST(o.words == std::vector<std::string>{"error/transient"});
  BOOST_TEST(o.transient);
  BOOST_TEST(!o.fatal);
  BOOST_TEST(Joined(o.words).find("Testperson") == std::string::npos);
  BOOST_TEST(Joined(o.words).find("000123") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(throttled_and_timeout_are_transient_too) {
  const OutcomeIssues o =
      ReadOperationOutcome(R"({"resourceType":"OperationOutcome","issue":[)"
                           R"({"severity":"error","code":"throttled","diagnostics":"slow down"},)"
                           R"({"severity":"warning","code":"timeout"}]})");
  BOOST_TEST((o.words == std::vector<std::string>{"error/throttled", "warning/timeout"}));
  BOOST_TEST(o.transient);
  BOOST_TEST(!o.fatal);
}

BOOST_AUTO_TEST_CASE(one_lasting_issue_makes_the_outcome_not_transient) {
  const OutcomeIssues o = ReadOperationOutcome(
      R"({"resourceType":"OperationOutcome","issue":[)"
      R"({"severity":"error","code":"transient"},{"severity":"error","code":"processing",)"
      R"("diagnostics":"Observation for Beta Testperson could not be read"}]})");
  BOOST_TEST((o.words == std::vector<std::string>{"error/transient", "error/processing"}));
  BOOST_TEST(!o.transient);
  BOOST_TEST(!o.fatal);
  BOOST_TEST(Joined(o.words).find("Testperson") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_fatal_issue_is_fatal_and_never_transient) {
  const OutcomeIssues fatal = ReadOperationOutcome(
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"exception",)"
      R"("diagnostics":"the export failed and will not complete"}]})");
  BOOST_TEST(fatal.words == std::vector<std::string>{"fatal/exception"});
  BOOST_TEST(fatal.fatal);
  BOOST_TEST(!fatal.transient);
  BOOST_TEST(Joined(fatal.words).find("will not complete") == std::string::npos);

  const OutcomeIssues fatal_transient = ReadOperationOutcome(
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"transient"}]})");
  BOOST_TEST(fatal_transient.fatal);
  BOOST_TEST(!fatal_transient.transient);
}

BOOST_AUTO_TEST_CASE(text_where_a_word_belongs_is_shown_as_a_question_mark) {
  const OutcomeIssues o = ReadOperationOutcome(
      R"({"resourceType":"OperationOutcome","issue":[)"
      R"({"severity":"Alpha Testperson","code":"transient"},)"
      R"({"severity":"error","code":"MRN 000123"},{"severity":"error","code":7}]})");
  BOOST_TEST((o.words == std::vector<std::string>{"?/transient", "error/?", "error/?"}));
  BOOST_TEST(!o.transient);
  BOOST_TEST(Joined(o.words).find("Testperson") == std::string::npos);
  BOOST_TEST(Joined(o.words).find("000123") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(at_most_twenty_words) {
  json doc = {{"resourceType", "OperationOutcome"}, {"issue", json::array()}};
  for (int i = 0; i < 25; ++i) doc["issue"].push_back({{"severity", "error"}, {"code", "timeout"}});
  const OutcomeIssues o = ReadOperationOutcome(doc.dump());
  BOOST_TEST(o.words.size() == 20u);
  BOOST_TEST(o.transient);  // Every issue counts, shown or not.
}

BOOST_AUTO_TEST_CASE(what_is_not_an_outcome_has_no_words) {
  for (const char* text : {
           "", "not json", "[]", R"({"resourceType":"Patient","id":"p1"})",
           R"({"resourceType":"OperationOutcome"})",
           R"({"resourceType":"OperationOutcome","issue":[]})",
           R"({"resourceType":"OperationOutcome","resourceType":"OperationOutcome","issue":[)"
           R"({"severity":"error","code":"transient"}]})",  // A duplicate key.
       }) {
    const OutcomeIssues o = ReadOperationOutcome(text);
    BOOST_TEST(o.words.empty(), text);
    BOOST_TEST(!o.transient, text);
    BOOST_TEST(!o.fatal, text);
  }
}

}  // namespace
}  // namespace portal
