#define BOOST_TEST_MODULE profile_request_test
#include "mailbox/daemon/profile_request.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace portal {
namespace {

using json = nlohmann::json;
constexpr int64_t kNow = 1795700000;  // 2026-11-26T13:33:20Z (date -u -d @1795700000).
// Every good value below carries this name; no error message may contain it in any case.
constexpr const char* kSentinel = "zenwick";

const PortalConfig& Config() {
  static const PortalConfig config = [] {
    PortalConfig c;
    BOOST_REQUIRE(LoadConfig(testing::SourceDir() / "content" / "portal.toml", &c).ok());
    return c;
  }();
  return config;
}

json Good() {
  return {
      {"version", 1},
      {"mrn", "M123456"},
      {"changes",
       {{"marital_status", "M"},
        {"race", "Zenwick: Asian"},
        {"religion", "Zenwick: Quaker"},
        {"address",
         {{"lines", {"12 Zenwick Lane", "Apt 3"}},
          {"city", "Zenwickton"},
          {"state", "CT"},
          {"postal_code", "06101-1234"},
          {"country", "US"}}},
        {"phone_numbers",
         {{{"use", "home"}, {"number", "+1 (860) 555-0100"}},
          {{"use", "mobile"}, {"number", "860.555.0199"}}}},
        {"email", "ada.zenwick@example.org"},
        {"next_of_kin",
         {{"name", "Bo Zenwick"},
          {"address",
           {{"lines", {"1 Elm St"}},
            {"city", "Hartford"},
            {"state", "CT"},
            {"postal_code", "06103"}}},
          {"phones", {{{"use", "work"}, {"number", "860-555-0142"}}}}}},
        {"person_to_notify",
         {{"name", "Cy Zenwick"}, {"phones", {{{"use", "other"}, {"number", "555 0100 77"}}}}}}}},
      {"nonce", "Zq3vW8x_Kp-20261126a"},
      {"timestamp", "2026-11-26T13:30:00Z"}};
}

struct Result {
  Status status;
  std::string field;
  ProfileChangeRequest request;
};

Result Parse(const std::string& body, const PortalConfig& config = Config()) {
  Result r;
  r.status = ParseProfileChangeRequest(config, body, kNow, &r.request, &r.field);
  return r;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// `sent` is the value sent for the failing field, or "" when it was not a string.
void ExpectRefused(const Result& r, const std::string& label, const std::string& expected_field,
                   const std::string& phrase, const std::string& sent = "") {
  BOOST_TEST(!r.status.ok(), label);
  BOOST_TEST((r.status.code() == Status::Code::kInvalidInput), label);
  BOOST_TEST(r.field == expected_field, label << ": " << r.field);
  const std::string& message = r.status.message();
  BOOST_TEST(message.find(phrase) != std::string::npos, label << ": " << message);
  if (!expected_field.empty()) {
    BOOST_TEST(message.rfind(expected_field + ": ", 0) == 0, label << ": " << message);
  }
  BOOST_TEST(Lower(message).find(kSentinel) == std::string::npos, label << ": " << message);
  if (sent.size() > 3) {
    BOOST_TEST(message.find(sent) == std::string::npos, label << ": " << message);
  }
  BOOST_TEST(r.request.mrn.empty(), label);  // *out is left alone on an error.
}

void CheckAddress(const std::string& what, const PostalAddress& got, const PostalAddress& want) {
  BOOST_TEST(got.lines == want.lines, what);
  BOOST_TEST(got.city == want.city, what);
  BOOST_TEST(got.state == want.state, what);
  BOOST_TEST(got.postal_code == want.postal_code, what);
  BOOST_TEST(got.country == want.country, what);
}

void CheckPhones(const std::string& what, const std::vector<PhoneNumber>& got,
                 const std::vector<PhoneNumber>& want) {
  BOOST_REQUIRE_MESSAGE(got.size() == want.size(), what);
  for (size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].use == want[i].use, what << "[" << i << "]");
    BOOST_TEST(got[i].number == want[i].number, what << "[" << i << "]");
  }
}

void CheckContact(const std::string& what, const ContactPerson& got, const ContactPerson& want) {
  BOOST_TEST(got.name == want.name, what);
  BOOST_REQUIRE_MESSAGE(got.address.has_value() == want.address.has_value(), what);
  if (want.address) CheckAddress(what + ".address", *got.address, *want.address);
  CheckPhones(what + ".phones", got.phones, want.phones);
}

BOOST_AUTO_TEST_CASE(a_request_changing_all_eight_fields_parses_into_exactly_these_values) {
  Result r = Parse(Good().dump());
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  BOOST_TEST(r.field.empty());
  BOOST_TEST(r.request.mrn == "M123456");
  BOOST_TEST(r.request.nonce == "Zq3vW8x_Kp-20261126a");
  BOOST_TEST(r.request.timestamp == kNow - 200);
  const ProfileChanges& got = r.request.changes;
  BOOST_TEST(got.marital_status.value_or("(unset)") == "M");
  BOOST_TEST(got.race.value_or("(unset)") == "Zenwick: Asian");
  BOOST_TEST(got.religion.value_or("(unset)") == "Zenwick: Quaker");
  BOOST_TEST(got.email.value_or("(unset)") == "ada.zenwick@example.org");
  BOOST_REQUIRE(got.address.has_value());
  CheckAddress("address", *got.address,
               PostalAddress{{"12 Zenwick Lane", "Apt 3"}, "Zenwickton", "CT", "06101-1234", "US"});
  BOOST_REQUIRE(got.phone_numbers.has_value());
  CheckPhones("phone_numbers", *got.phone_numbers,
              {{"home", "+1 (860) 555-0100"}, {"mobile", "860.555.0199"}});
  BOOST_REQUIRE(got.next_of_kin.has_value());
  CheckContact("next_of_kin", *got.next_of_kin,
               ContactPerson{"Bo Zenwick",
                             PostalAddress{{"1 Elm St"}, "Hartford", "CT", "06103", ""},
                             {{"work", "860-555-0142"}}});
  BOOST_REQUIRE(got.person_to_notify.has_value());
  CheckContact("person_to_notify", *got.person_to_notify,
               ContactPerson{"Cy Zenwick", std::nullopt, {{"other", "555 0100 77"}}});
}

BOOST_AUTO_TEST_CASE(fields_not_sent_stay_unset) {
  const json address = {
      {"lines", {"1 Elm St"}}, {"city", "Hartford"}, {"state", "CT"}, {"postal_code", "06103"}};
  json j = Good();
  j["changes"] = {{"person_to_notify", {{"name", "Cy Zenwick"}, {"address", address}}}};
  Result r = Parse(j.dump());
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  const ProfileChanges& got = r.request.changes;
  BOOST_TEST(!got.marital_status.has_value());
  BOOST_TEST(!got.race.has_value());
  BOOST_TEST(!got.religion.has_value());
  BOOST_TEST(!got.address.has_value());
  BOOST_TEST(!got.phone_numbers.has_value());
  BOOST_TEST(!got.email.has_value());
  BOOST_TEST(!got.next_of_kin.has_value());
  BOOST_REQUIRE(got.person_to_notify.has_value());
  CheckContact(
      "person_to_notify", *got.person_to_notify,
      ContactPerson{"Cy Zenwick", PostalAddress{{"1 Elm St"}, "Hartford", "CT", "06103", ""}, {}});
}

BOOST_AUTO_TEST_CASE(limits_count_characters_and_boundaries_are_accepted) {
  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "\xe2\x82\xac";  // U+20AC, three bytes each.
  json j = Good();
  j["changes"]["race"] = euros;
  j["changes"]["address"]["lines"] = {std::string(100, 'a'), "b", "c"};
  j["changes"]["address"]["city"] = std::string(60, 'c');
  j["changes"]["address"]["state"] = std::string(40, 's');
  j["changes"]["address"]["postal_code"] = "K1A 0B6";
  j["changes"]["address"]["country"] = std::string(60, 'n');
  j["changes"]["phone_numbers"] = json::array();
  for (int i = 0; i < 5; ++i) {
    j["changes"]["phone_numbers"].push_back({{"use", "other"}, {"number", "1234567"}});
  }
  j["changes"]["phone_numbers"][4]["number"] = "+123456789012345";  // 15 digits.
  j["changes"]["email"] = std::string(242, 'e') + "@example.org";   // 254 characters.
  j["changes"]["marital_status"] = "UNK";
  Result r = Parse(j.dump());
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  BOOST_TEST(r.request.changes.race.value_or("") == euros);
  BOOST_TEST(r.request.changes.marital_status.value_or("") == "UNK");
  BOOST_TEST(r.request.changes.phone_numbers->size() == 5u);
}

struct Case {
  const char* pointer;  // Where in Good() the value goes (JSON pointer).
  json value;
  const char* expected_field;
  const char* phrase;
};

BOOST_AUTO_TEST_CASE(each_form_rule_is_refused_with_its_field_path_and_no_value_echoed) {
  json six_phones = json::array();
  for (int i = 0; i < 6; ++i) six_phones.push_back({{"use", "home"}, {"number", "5550100"}});
  const std::vector<Case> cases = {
      {"/changes/marital_status", "Zenwick-married", "changes.marital_status", "MaritalStatus"},
      {"/changes/marital_status", "m", "changes.marital_status",
       "A, D, I, L, M, C, P, T, U, S, W or UNK"},
      {"/changes/marital_status", 1, "changes.marital_status", "must be a string"},
      {"/changes/race", "", "changes.race", "1 to 100 characters"},
      {"/changes/race", "Zenwick" + std::string(94, 'r'), "changes.race", "1 to 100 characters"},
      {"/changes/race", "Zenwick\tAsian", "changes.race", "control characters"},
      {"/changes/race", json::array({"Zenwick"}), "changes.race", "must be a string"},
      {"/changes/religion", "Zenwick\x7f", "changes.religion", "control characters"},
      {"/changes/religion", std::string("Zen\0wick", 8), "changes.religion", "control characters"},
      {"/changes/religion", "    ", "changes.religion", "blank"},
      {"/changes/address", "12 Zenwick Lane", "changes.address", "must be an object"},
      {"/changes/address/zenwick_key", "Zenwick value", "changes.address", "unknown field"},
      {"/changes/address/lines", json::array(), "changes.address.lines", "1 to 3 street lines"},
      {"/changes/address/lines",
       {"a", "b", "c", "Zenwick"},
       "changes.address.lines",
       "1 to 3 street lines"},
      {"/changes/address/lines", "12 Zenwick Lane", "changes.address.lines", "1 to 3 street lines"},
      {"/changes/address/lines/1", "", "changes.address.lines[1]", "1 to 100 characters"},
      {"/changes/address/lines/0", 12, "changes.address.lines[0]", "must be a string"},
      {"/changes/address/lines/1", "Zenwick\nFloor 2", "changes.address.lines[1]", "control"},
      {"/changes/address/city", "Zenwick" + std::string(54, 'c'), "changes.address.city",
       "1 to 60 characters"},
      {"/changes/address/city", "", "changes.address.city", "1 to 60 characters"},
      {"/changes/address/state", "Zenwick" + std::string(34, 's'), "changes.address.state",
       "1 to 40 characters"},
      {"/changes/address/postal_code", "Z1", "changes.address.postal_code", "3 to 10"},
      {"/changes/address/postal_code", "Zenwick-123", "changes.address.postal_code", "3 to 10"},
      {"/changes/address/postal_code", "-Zenwick", "changes.address.postal_code",
       "starting and ending with a letter or digit"},
      {"/changes/address/postal_code", "Zenwick#1", "changes.address.postal_code", "hyphens"},
      {"/changes/address/postal_code", 6101, "changes.address.postal_code", "3 to 10"},
      {"/changes/address/country", "Z", "changes.address.country", "2 to 60 characters"},
      {"/changes/address/country", "Zenwick" + std::string(54, 'n'), "changes.address.country",
       "2 to 60 characters"},
      {"/changes/phone_numbers", json::array(), "changes.phone_numbers", "1 to 5 phone numbers"},
      {"/changes/phone_numbers", six_phones, "changes.phone_numbers", "1 to 5 phone numbers"},
      {"/changes/phone_numbers", "860 555 0100 Zenwick", "changes.phone_numbers",
       "1 to 5 phone numbers"},
      {"/changes/phone_numbers/0", "860 555 0100 Zenwick", "changes.phone_numbers[0]",
       "must be an object"},
      {"/changes/phone_numbers/0/zenwick", "Zenwick", "changes.phone_numbers[0]", "unknown field"},
      {"/changes/phone_numbers/0/use", "Zenwick-pager", "changes.phone_numbers[0].use",
       "must be home, mobile, work or other"},
      {"/changes/phone_numbers/0/use", "Home", "changes.phone_numbers[0].use",
       "must be home, mobile, work or other"},
      {"/changes/phone_numbers/1/number", "555-010", "changes.phone_numbers[1].number",
       "7 to 15 digits"},
      {"/changes/phone_numbers/1/number", "1234567890123456", "changes.phone_numbers[1].number",
       "7 to 15 digits"},
      {"/changes/phone_numbers/1/number", "860 555 0100 Zenwick", "changes.phone_numbers[1].number",
       "7 to 15 digits"},
      {"/changes/phone_numbers/1/number", "860+555+0100", "changes.phone_numbers[1].number",
       "a leading +"},
      {"/changes/phone_numbers/1/number", "+1 (860) 555 - 0100 - - - -",
       "changes.phone_numbers[1].number", "at most 25 characters"},
      {"/changes/phone_numbers/1/number", 8605550100, "changes.phone_numbers[1].number",
       "7 to 15 digits"},
      {"/changes/email", "zenwick.example.org", "changes.email", "one @"},
      {"/changes/email", "zen@wick@example.org", "changes.email", "one @"},
      {"/changes/email", "ada@zenwick", "changes.email", "a dot"},
      {"/changes/email", "ada@zenwick.", "changes.email", "a dot"},
      {"/changes/email", "ada@.zenwick", "changes.email", "a dot"},
      {"/changes/email", "@zenwick.org", "changes.email", "one @"},
      {"/changes/email", "ada zenwick@example.org", "changes.email", "spaces"},
      {"/changes/email", "ada\tzenwick@example.org", "changes.email", "control characters"},
      {"/changes/email", "a@", "changes.email", "3 to 254 characters"},
      {"/changes/email", std::string(243, 'e') + "@zenwick.org", "changes.email",
       "3 to 254 characters"},
      {"/changes/next_of_kin", "Bo Zenwick", "changes.next_of_kin", "must be an object"},
      {"/changes/next_of_kin/zenwick", "Zenwick", "changes.next_of_kin", "unknown field"},
      {"/changes/next_of_kin/name", "", "changes.next_of_kin.name", "1 to 100 characters"},
      {"/changes/next_of_kin/name", "Bo\nZenwick", "changes.next_of_kin.name", "control"},
      {"/changes/next_of_kin/address", "1 Zenwick St", "changes.next_of_kin.address",
       "must be an object"},
      {"/changes/next_of_kin/address/postal_code", "Z", "changes.next_of_kin.address.postal_code",
       "3 to 10"},
      {"/changes/next_of_kin/address/lines/0", "Zenwick\r", "changes.next_of_kin.address.lines[0]",
       "control"},
      {"/changes/next_of_kin/phones", json::array(), "changes.next_of_kin.phones",
       "1 to 5 phone numbers"},
      {"/changes/next_of_kin/phones/0/use", "fax", "changes.next_of_kin.phones[0].use",
       "home, mobile, work or other"},
      {"/changes/next_of_kin/phones/0/number", "Zenwick", "changes.next_of_kin.phones[0].number",
       "7 to 15 digits"},
      {"/changes/person_to_notify/name", std::string(101, 'n'), "changes.person_to_notify.name",
       "1 to 100 characters"},
      {"/changes/person_to_notify/phones", six_phones, "changes.person_to_notify.phones",
       "1 to 5 phone numbers"},
      {"/changes/person_to_notify/phones/0/number", "12345",
       "changes.person_to_notify.phones[0].number", "7 to 15 digits"},
      {"/changes/person_to_notify/address",
       {{"lines", {"1 Zenwick St"}}},
       "changes.person_to_notify.address.city",
       "missing"},
  };
  for (const auto& c : cases) {
    json j = Good();
    j[json::json_pointer(c.pointer)] = c.value;
    const std::string sent = c.value.is_string() ? c.value.get<std::string>() : "";
    ExpectRefused(Parse(j.dump()), c.pointer, c.expected_field, c.phrase, sent);
  }
}

// Every free-text value a patient sends in a profile change, as a JSON pointer into Good() and
// the field the daemon names for it. Each is read by staff on one line.
const std::vector<std::pair<const char*, const char*>> kTextFields = {
    {"/changes/race", "changes.race"},
    {"/changes/religion", "changes.religion"},
    {"/changes/address/lines/1", "changes.address.lines[1]"},
    {"/changes/address/city", "changes.address.city"},
    {"/changes/address/state", "changes.address.state"},
    {"/changes/address/country", "changes.address.country"},
    {"/changes/email", "changes.email"},
    {"/changes/next_of_kin/name", "changes.next_of_kin.name"},
    {"/changes/next_of_kin/address/lines/0", "changes.next_of_kin.address.lines[0]"},
    {"/changes/next_of_kin/address/city", "changes.next_of_kin.address.city"},
    {"/changes/person_to_notify/name", "changes.person_to_notify.name"},
};

BOOST_AUTO_TEST_CASE(terminal_controls_and_bidi_overrides_are_refused_in_every_text_value) {
  // ESC, CSI and OSC 52, NUL, BEL, C1 (CSI U+009B, NEL U+0085, OSC U+009D), CR, DEL; then the
  // bidi overrides and isolates that reorder what staff read.
  const std::vector<std::string> bad = {"Zenwick\x1b",
                                        "Zen\x1b[1A\x1b[2Kwick",
                                        "\x1b]52;c;eA==\x07Zenwick",
                                        std::string("Zen\0wick", 8),
                                        "Zenwick\x07",
                                        "Zenwick\xc2\x9b"
                                        "2J",
                                        "Zen\xc2\x85wick",
                                        "\xc2\x9d"
                                        "0;t\xc2\x9cZenwick",
                                        "Zenwick\r",
                                        "Zenwick\x7f",
                                        "Zenwick\xe2\x80\xae",
                                        "Zenwick\xe2\x80\xaa",
                                        "Zenwick\xe2\x81\xa6",
                                        "Zenwick\xe2\x81\xa9"};
  for (const auto& [pointer, field] : kTextFields) {
    for (const std::string& text : bad) {
      json j = Good();
      // An e-mail address keeps its form around the character.
      j[json::json_pointer(pointer)] =
          std::string(field) == "changes.email" ? "ada." + text + "@example.org" : text;
      const Result r = Parse(j.dump());
      const bool bidi = text.find("\xe2") != std::string::npos;
      const std::string phrase = std::string(field) == "changes.email"
                                     ? "spaces or control characters"
                                 : bidi ? "change the text's direction"
                                        : "control characters (line breaks, tabs, escape codes)";
      ExpectRefused(r, pointer, field, phrase, text);
    }
  }
  // Letters of any script, accents, a no-break space and the marks U+200E and U+200F are text.
  json j = Good();
  j["changes"]["race"] = "\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xe2\x80\x8f";
  j["changes"]["address"]["city"] =
      "Montr\xc3\xa9"
      "al\xc2\xa0Nord";
  j["changes"]["next_of_kin"]["name"] =
      "\xd7\xa9\xd7\xa8\xd7\x94 \xe2\x80\x8e"
      "Cohen";
  const Result r = Parse(j.dump());
  BOOST_TEST(r.status.ok(), r.status.message());
}

BOOST_AUTO_TEST_CASE(a_key_sent_twice_at_any_depth_is_refused_by_its_path) {
  struct Dup {
    std::string body;
    std::string field;  // "" when the key is not one of the request's own.
  };
  const std::string tail = R"(,"nonce":"Zq3vW8x_Kp-20261126a","timestamp":"2026-11-26T13:30:00Z"})";
  const std::vector<Dup> cases = {
      {R"({"version":1,"mrn":"M123456","mrn":"M100001","changes":{"race":"x"})" + tail, "mrn"},
      {R"({"version":1,"mrn":"M123456","changes":{"email":"a@zenwick.org","email":)"
       R"("b@zenwick.org"})" +
           tail,
       "changes.email"},
      {R"({"version":1,"mrn":"M123456","changes":{"phone_numbers":[{"use":"home","number":)"
       R"("5550100"},{"use":"home","number":"5550101","number":"5550102"}]})" +
           tail,
       "changes.phone_numbers[1].number"},
      {R"({"version":1,"mrn":"M123456","changes":{"address":{"lines":["1 Zenwick St"],"city":)"
       R"("A","city":"B","state":"CT","postal_code":"06103"}})" +
           tail,
       "changes.address.city"},
      {R"({"version":1,"mrn":"M123456","changes":{"race":"x","zenwick":1,"zenwick":2})" + tail, ""},
  };
  for (const Dup& c : cases) {
    const Result r = Parse(c.body);
    const std::string phrase =
        c.field.empty() ? "the body names a key twice" : "duplicate key \"" + c.field + "\"";
    ExpectRefused(r, c.body, c.field, phrase);
  }
}

BOOST_AUTO_TEST_CASE(each_required_member_is_named_when_missing) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"/changes/address/lines", "changes.address.lines"},
      {"/changes/address/city", "changes.address.city"},
      {"/changes/address/state", "changes.address.state"},
      {"/changes/address/postal_code", "changes.address.postal_code"},
      {"/changes/phone_numbers/1/use", "changes.phone_numbers[1].use"},
      {"/changes/phone_numbers/1/number", "changes.phone_numbers[1].number"},
      {"/changes/next_of_kin/name", "changes.next_of_kin.name"},
      {"/changes/person_to_notify/phones/0/use", "changes.person_to_notify.phones[0].use"},
      {"/mrn", "mrn"},
      {"/changes", "changes"},
      {"/nonce", "nonce"},
      {"/timestamp", "timestamp"},
  };
  for (const auto& [pointer, expected_field] : cases) {
    json j = Good();
    const json::json_pointer p(pointer);
    j[p.parent_pointer()].erase(p.back());
    ExpectRefused(Parse(j.dump()), pointer, expected_field, "missing");
  }
  // The country is optional; a contact person needs an address, phones or both.
  json j = Good();
  j["changes"]["address"].erase("country");
  Result r = Parse(j.dump());
  BOOST_REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  BOOST_TEST(r.request.changes.address->country == "");
  j["changes"]["next_of_kin"].erase("address");
  j["changes"]["next_of_kin"].erase("phones");
  ExpectRefused(Parse(j.dump()), "next_of_kin without address or phones", "changes.next_of_kin",
                "must have an address, phones or both");
}

BOOST_AUTO_TEST_CASE(a_change_key_not_in_the_config_is_refused_without_naming_it) {
  const std::string kFieldList =
      "the fields that may be changed are marital_status, race, religion, address, "
      "phone_numbers, email, next_of_kin and person_to_notify";
  json j = Good();
  j["changes"]["zenwick_diagnosis_hiv"] = "Zenwick tested positive";
  Result r = Parse(j.dump());
  ExpectRefused(r, "unknown change key", "changes", kFieldList);
  BOOST_TEST(r.status.message().find("diagnosis") == std::string::npos);
  BOOST_TEST(r.status.message().find("positive") == std::string::npos);

  json empty = Good();
  empty["changes"] = json::object();
  ExpectRefused(Parse(empty.dump()), "empty changes", "changes", "at least one field");
  ExpectRefused(Parse(empty.dump()), "empty changes", "changes", kFieldList);
  json list = Good();
  list["changes"] = json::array({"Zenwick"});
  ExpectRefused(Parse(list.dump()), "changes as a list", "changes", "must be an object", "");
}

BOOST_AUTO_TEST_CASE(only_the_configs_profile_fields_may_be_changed) {
  PortalConfig fewer = Config();
  std::erase_if(fewer.profile_fields, [](const auto& f) { return f.id == "email"; });
  BOOST_REQUIRE(fewer.profile_fields.size() == 7u);
  Result r = Parse(Good().dump(), fewer);
  ExpectRefused(r, "email not in the config", "changes",
                "the fields that may be changed are marital_status, race, religion, address, "
                "phone_numbers, next_of_kin and person_to_notify");
  BOOST_TEST(r.status.message().find("email") == std::string::npos);
  json j = Good();
  j["changes"].erase("email");
  BOOST_TEST(Parse(j.dump(), fewer).status.ok());

  // A field the config lists but this code cannot check is refused, by its (config) id.
  PortalConfig more = Config();
  more.profile_fields.push_back({"blood_type", "Blood type"});
  json extra = Good();
  extra["changes"]["blood_type"] = "Zenwick O+";
  ExpectRefused(Parse(extra.dump(), more), "unchecked config field", "changes.blood_type",
                "cannot be changed", "Zenwick O+");
  BOOST_TEST(Parse(Good().dump(), more).status.ok());

  PortalConfig none = Config();
  none.profile_fields.clear();
  ExpectRefused(Parse(Good().dump(), none), "no profile fields", "changes",
                "no profile field may be changed");
}

BOOST_AUTO_TEST_CASE(the_envelope_is_checked_like_a_message_request) {
  const std::vector<Case> cases = {
      {"/version", 2, "version", "must be 1"},
      {"/version", "1", "version", "must be 1"},
      {"/mrn", "Zenwick123456", "mrn", "must be an M followed by 6 digits"},
      {"/mrn", "m123456", "mrn", "must be an M followed by 6 digits"},
      {"/mrn", 123456, "mrn", "must be a string"},
      {"/nonce", "zenwick", "nonce", "16 to 128"},
      {"/nonce", "zenwick has spaces, sixteen+", "nonce", "16 to 128"},
      {"/timestamp", "2026-11-26T13:28:19Z", "timestamp", "within 5 minutes"},  // 301 s old.
      {"/timestamp", "2026-11-26T13:38:21Z", "timestamp", "within 5 minutes"},  // 301 s ahead.
      {"/timestamp", "2026-11-26", "timestamp", "an instant"},
      {"/zenwick_field", "Zenwick", "", "unknown field"},
  };
  for (const auto& c : cases) {
    json j = Good();
    j[json::json_pointer(c.pointer)] = c.value;
    const std::string sent = c.value.is_string() ? c.value.get<std::string>() : "";
    ExpectRefused(Parse(j.dump()), c.pointer, c.expected_field, c.phrase, sent);
  }
  Result unknown = Parse([] {
    json j = Good();
    j["zenwick_field"] = 1;
    return j.dump();
  }());
  BOOST_TEST(unknown.status.message() ==
             "an unknown field was sent; the fields are version, mrn, changes, nonce and "
             "timestamp");
  // Exactly five minutes either way is still on time.
  for (const char* on_time : {"2026-11-26T13:28:20Z", "2026-11-26T13:38:20Z"}) {
    json j = Good();
    j["timestamp"] = on_time;
    BOOST_TEST(Parse(j.dump()).status.ok(), on_time);
  }
}

BOOST_AUTO_TEST_CASE(malformed_bodies_are_refused_as_a_whole) {
  const std::vector<std::string> bodies = {
      "", "{", "[1,2]", "\"text\"", "{\"version\":1,}", "{\"changes\":{\"race\":\"\xff\xfe\"}}"};
  for (const std::string& body : bodies) {
    ExpectRefused(Parse(body), "malformed body", "", "the body");
  }
}

}  // namespace
}  // namespace portal
