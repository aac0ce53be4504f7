#define BOOST_TEST_MODULE account_fields_test
// The account endpoints' field checks, each with good and bad values written out. Every refusal
// names its field and never repeats the value.
#include "mailbox/daemon/account_fields.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace portal {
namespace {

using json = nlohmann::json;

// The hospital's MRN form, as content/portal.toml writes it.
PortalConfig Config() {
  PortalConfig c;
  c.mrn.pattern = "^M[0-9]{6}$";
  c.mrn.description = "an M and six digits";
  return c;
}

// What a failing check reported.
struct Refusal {
  bool refused = false;
  std::string field;
  std::string message;
};

template <typename Check>
Refusal Run(Check check) {
  std::string field;
  const Status st = check(&field);
  return {!st.ok(), field, st.message()};
}

// The check refused, named `field`, and did not repeat `value` (when it is long enough to tell).
void ExpectRefused(const Refusal& r, const std::string& field, const std::string& value) {
  BOOST_TEST(r.refused, "accepted a bad " << field);
  BOOST_TEST(r.field == field);
  BOOST_TEST(r.message.starts_with(field + ": "), r.message);
  if (value.size() >= 4) BOOST_TEST(r.message.find(value) == std::string::npos, r.message);
}

// A string field's check: each good value passes and comes out as written; each bad one is
// refused with `message`, without repeating it.
template <typename Check>
void ExpectForms(Check check, const std::string& name, const std::string& out,
                 const std::vector<std::string>& goods, const std::vector<std::string>& bads,
                 const std::string& message) {
  for (const std::string& good : goods) {
    BOOST_TEST(!check({{name, good}}).refused, good);
    BOOST_TEST(out == good);
  }
  for (const std::string& bad : bads) {
    const Refusal r = check({{name, bad}});
    ExpectRefused(r, name, bad);
    BOOST_TEST(r.message == message);
  }
  ExpectRefused(check({{name, 7}}), name, "");
  ExpectRefused(check(json::object()), name, "");
}

// ---- logon_id ----

std::string LogonId(const json& body, Refusal* r) {
  std::string out;
  *r = Run([&](std::string* f) { return GetLogonId(Config(), body, &out, f); });
  return out;
}

BOOST_AUTO_TEST_CASE(logon_ids_are_lowered_and_their_form_checked) {
  Refusal r;
  BOOST_TEST(LogonId({{"logon_id", "Otto.Vaske"}}, &r) == "otto.vaske");
  BOOST_TEST(!r.refused);
  BOOST_TEST(LogonId({{"logon_id", "abcd"}}, &r) == "abcd");  // 4: the shortest.
  BOOST_TEST(LogonId({{"logon_id", "7Up_fan-1@Home.example"}}, &r) == "7up_fan-1@home.example");
  const std::string longest = "a" + std::string(63, 'Z');
  BOOST_TEST(LogonId({{"logon_id", longest}}, &r) == "a" + std::string(63, 'z'));
  BOOST_TEST(!r.refused);
  // Close to an MRN but not one: M and five digits, or a letter before.
  BOOST_TEST(LogonId({{"logon_id", "M12345"}}, &r) == "m12345");
  BOOST_TEST(LogonId({{"logon_id", "XM123456"}}, &r) == "xm123456");
  BOOST_TEST(!r.refused);

  LogonId(json::object(), &r);
  ExpectRefused(r, "logon_id", "");
  BOOST_TEST(r.message == "logon_id: missing");
  LogonId({{"logon_id", 12345}}, &r);
  ExpectRefused(r, "logon_id", "");
  BOOST_TEST(r.message == "logon_id: must be a string");
  for (const std::string& bad : std::vector<std::string>{
           std::string("abc"), "a" + std::string(64, 'b'), std::string(".otto"),
           std::string("_otto"), std::string("@otto"), std::string("otto vaske"),
           std::string("otto\x01vaske"), std::string("otto\tvaske"),
           std::string("ott\xc3\xb6vaske"), std::string("otto/vaske"), std::string("otto+vaske"),
           std::string("")}) {
    LogonId({{"logon_id", bad}}, &r);
    ExpectRefused(r, "logon_id", bad);
  }
  // Never the MRN, in any letter case.
  for (const std::string& mrn : std::vector<std::string>{"M123456", "m123456"}) {
    LogonId({{"logon_id", mrn}}, &r);
    ExpectRefused(r, "logon_id", mrn);
    BOOST_TEST(r.message == "logon_id: must not be a medical record number");
  }
}

// ---- base64 ----

BOOST_AUTO_TEST_CASE(base64_fields_are_padded_standard_base64_of_exact_length) {
  std::string out;
  auto check = [&](const json& body, size_t bytes) {
    return Run([&](std::string* f) { return GetBase64Bytes(body, "auth_key", bytes, &out, f); });
  };
  // Bytes 0..31 (python3 base64.b64encode(bytes(range(32)))).
  BOOST_TEST(!check({{"auth_key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}, 32).refused);
  std::string expected;
  for (int i = 0; i < 32; ++i) expected += static_cast<char>(i);
  BOOST_TEST(out == expected);
  BOOST_TEST(!check({{"auth_key", "+//7//v/+//7//v/+//7/w=="}}, 16).refused);
  BOOST_TEST(out ==
             std::string("\xfb\xff\xfb\xff\xfb\xff\xfb\xff\xfb\xff\xfb\xff\xfb\xff\xfb\xff", 16));

  const std::string kMustBe = "auth_key: must be standard base64 of exactly 32 bytes";
  for (const std::string& bad : std::vector<std::string>{
           std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="),    // 31 bytes.
           std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"),    // 33 bytes.
           std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"),     // Unpadded.
           std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"),  // A line break.
           std::string(" AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
           std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA"),
           std::string("AAECAwQFBgcICQoLDA0ODxAREh-UFRYXGBkaGxwdHh8="),  // URL-safe '-'.
           std::string("AAECAwQFBgcICQoLDA0ODxAREh_UFRYXGBkaGxwdHh8="),  // URL-safe '_'.
           std::string("AAECAwQFBgcICQoLDA0ODxAREh=UFRYXGBkaGxwdHh8="),  // Padding inside.
           std::string(""),
       }) {
    const Refusal r = check({{"auth_key", bad}}, 32);
    ExpectRefused(r, "auth_key", bad);
    BOOST_TEST(r.message == kMustBe);
  }
  // URL-safe spelling of a 16-byte value.
  ExpectRefused(check({{"auth_key", "-__7__v_-__7__v_-__7_w=="}}, 16), "auth_key", "");
  ExpectRefused(check({{"auth_key", json::array({1, 2})}}, 32), "auth_key", "");
  ExpectRefused(check(json::object(), 32), "auth_key", "");
}

// ---- kdf ----

json GoodKdf() {
  return {
      {"alg", "argon2id"}, {"t", 3}, {"m", 65536}, {"p", 4}, {"salt", "AAECAwQFBgcICQoLDA0ODw=="}};
}

Refusal Kdf(const json& kdf, KdfSettings* out) {
  return Run([&](std::string* f) { return GetKdf({{"kdf", kdf}}, out, f); });
}

BOOST_AUTO_TEST_CASE(kdf_settings_are_argon2id_within_bounds) {
  KdfSettings k;
  BOOST_TEST(!Kdf(GoodKdf(), &k).refused);
  BOOST_TEST(k.t == 3);
  BOOST_TEST(k.m_kib == 65536);
  BOOST_TEST(k.p == 4);
  BOOST_TEST(k.salt ==
             std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16));
  // The bounds themselves are accepted.
  json edge = GoodKdf();
  edge["t"] = 1;
  edge["m"] = 19456;
  edge["p"] = 16;
  BOOST_TEST(!Kdf(edge, &k).refused);
  BOOST_TEST((k.t == 1 && k.m_kib == 19456 && k.p == 16));
  edge["t"] = 16;
  edge["m"] = 1048576;
  edge["p"] = 1;
  BOOST_TEST(!Kdf(edge, &k).refused);
  BOOST_TEST((k.t == 16 && k.m_kib == 1048576 && k.p == 1));

  KdfSettings untouched;
  auto refused = [&](const json& kdf, const std::string& field) {
    KdfSettings k2;
    const Refusal r = Kdf(kdf, &k2);
    ExpectRefused(r, field, "");
    BOOST_TEST(k2.salt.empty());  // Nothing set on a refusal.
    return r.message;
  };
  BOOST_TEST(Run([&](std::string* f) { return GetKdf(json::object(), &untouched, f); }).message ==
             "kdf: missing");
  BOOST_TEST(refused("argon2id", "kdf") == "kdf: must be an object");
  json extra = GoodKdf();
  extra["version"] = 19;
  BOOST_TEST(refused(extra, "kdf") == "kdf: may hold only alg, t, m, p and salt");
  for (const json& alg :
       std::vector<json>{json("argon2i"), json("ARGON2ID"), json(2), json(nullptr)}) {
    json j = GoodKdf();
    j["alg"] = alg;
    BOOST_TEST(refused(j, "kdf.alg") == "kdf.alg: must be \"argon2id\"");
  }
  json no_alg = GoodKdf();
  no_alg.erase("alg");
  refused(no_alg, "kdf.alg");
  const std::vector<std::tuple<std::string, json, std::string>> numbers = {
      {"t", 0, "kdf.t: must be from 1 to 16"},
      {"t", 17, "kdf.t: must be from 1 to 16"},
      {"t", 3.0, "kdf.t: must be an integer"},
      {"t", "3", "kdf.t: must be an integer"},
      {"t", true, "kdf.t: must be an integer"},
      {"m", 19455, "kdf.m: must be from 19456 to 1048576"},
      {"m", 1048577, "kdf.m: must be from 19456 to 1048576"},
      {"m", -65536, "kdf.m: must be from 19456 to 1048576"},
      {"m", 18446744073709551615ull, "kdf.m: must be from 19456 to 1048576"},
      {"p", 0, "kdf.p: must be from 1 to 16"},
      {"p", 17, "kdf.p: must be from 1 to 16"},
  };
  for (const auto& [name, value, message] : numbers) {
    json j = GoodKdf();
    j[name] = value;
    BOOST_TEST(refused(j, "kdf." + name) == message);
    j.erase(name);
    BOOST_TEST(refused(j, "kdf." + name) == "kdf." + name + ": missing");
  }
  for (const json& salt : std::vector<json>{json("AAECAwQFBgcICQoLDA0O"),      // 15 bytes.
                                            json("AAECAwQFBgcICQoLDA0ODxA="),  // 17 bytes.
                                            json("AAECAwQFBgcICQoLDA0ODw"),    // Unpadded.
                                            json(json::array()), json(nullptr)}) {
    json j = GoodKdf();
    j["salt"] = salt;
    BOOST_TEST(refused(j, "kdf.salt") == "kdf.salt: must be standard base64 of exactly 16 bytes");
  }
}

BOOST_AUTO_TEST_CASE(kdf_json_is_the_wire_object) {
  KdfSettings k;
  k.t = 2;
  k.m_kib = 19456;
  k.p = 1;
  k.salt = std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
  const json expected = {
      {"alg", "argon2id"}, {"t", 2}, {"m", 19456}, {"p", 1}, {"salt", "AAECAwQFBgcICQoLDA0ODw=="}};
  BOOST_TEST(KdfJson(k) == expected);
  // And it reads back as what it was made from.
  KdfSettings back;
  BOOST_TEST(!Kdf(KdfJson(k), &back).refused);
  BOOST_TEST((back.t == 2 && back.m_kib == 19456 && back.p == 1 && back.salt == k.salt));
}

// ---- email ----

BOOST_AUTO_TEST_CASE(email_addresses_are_what_the_mail_sender_takes) {
  std::string out;  // As typed: the letter case is the mailer's business.
  auto check = [&](const json& body) {
    return Run([&](std::string* f) { return GetEmail(body, "email", &out, f); });
  };
  ExpectForms(
      check, "email", out,
      {"t.ombrevielle@example.net", "T.Ombrevielle@Example.NET", "a+tag@x.io", "o'brien@example.ie",
       "a@b.c", std::string(64, 'l') + "@" + std::string(185, 'd') + ".org"},  // 254 characters.
      {"no-at-sign.example.org",
       "two@@example.org",
       "a@b@example.org",
       "someone@nodot",
       "someone@example.",
       "@example.org",
       "some one@example.org",
       " someone@example.org",
       "someone@example.org\n",
       "someone\x01@example.org",
       "Someone <someone@example.org>",
       "someone,else@example.org",
       "someone;else@example.org",
       "\"some\"@example.org",
       "some(one)@example.org",
       "some[one]@example.org",
       "some\\one@example.org",
       "some:one@example.org",
       "s\xc3\xb6meone@example.org",  // Not ASCII: the sender cannot.
       std::string(64, 'l') + "@" + std::string(186, 'd') + ".org",  // 255 characters.
       "a@",
       ""},
      "email: must be an e-mail address");
}

// Issue 15: the account fields a patient types are ASCII letters, digits and a few marks, so
// no terminal control (ESC and CSI, OSC 52, NUL, BEL, CR, DEL, C1 as UTF-8) or bidi override
// gets through either of them, wherever it sits.
BOOST_AUTO_TEST_CASE(logon_ids_and_email_addresses_hold_no_terminal_control) {
  const std::vector<std::string> controls = {
      "\x1b",         "\x1b[2K",     "\x1b]52;c;eA==\x07", std::string(1, '\0'), "\x07",
      "\r",           "\x7f",        "\xc2\x9b",           "\xc2\x85",           "\xc2\x9d",
      "\xe2\x80\xae", "\xe2\x81\xa6"};
  for (const std::string& c : controls) {
    Refusal r;
    LogonId({{"logon_id", "otto" + c + "vaske"}}, &r);
    ExpectRefused(r, "logon_id", "otto" + c + "vaske");
    LogonId({{"logon_id", "ottovaske" + c}}, &r);
    ExpectRefused(r, "logon_id", "ottovaske" + c);
    std::string out;
    for (const std::string& email : {"ot" + c + "to@example.org", "otto@example.org" + c}) {
      r = Run([&](std::string* f) { return GetEmail({{"email", email}}, "email", &out, f); });
      ExpectRefused(r, "email", email);
    }
  }
}

// ---- birth_date ----

BOOST_AUTO_TEST_CASE(birth_dates_are_whole_dates_that_exist) {
  std::string out;
  auto check = [&](const json& body) {
    return Run([&](std::string* f) { return GetBirthDate(body, "birth_date", &out, f); });
  };
  ExpectForms(check, "birth_date", out,
              {"1980-02-29", "2000-02-29", "1850-01-01", "1979-11-02", "1999-12-31", "2024-04-30"},
              {"1900-02-29",  // 1900 was not a leap year.
               "1981-02-29", "1980-02-30", "1980-04-31", "1980-13-01", "1980-00-10", "1980-01-00",
               "1849-12-31", "1980-2-29", "1980", "1980-02", "19800229", " 1980-02-29",
               "1980-02-29T00:00:00Z", "1980/02/29", "\xd9\xa1\xd9\xa9\xd9\xa8\xd9\xa0-02-29", ""},
              "birth_date: must be a date written YYYY-MM-DD");
  ExpectRefused(Run([&](std::string* f) {
                  return GetBirthDate({{"birth_date", 19800229}}, "birth_date", &out, f);
                }),
                "birth_date", "");
}

// ---- armored blocks ----

BOOST_AUTO_TEST_CASE(armored_blocks_have_a_size_limit_and_no_controls) {
  std::string out;
  auto check = [&](const std::string& text, size_t max) {
    return Run([&](std::string* f) {
      return GetArmored({{"key_blob", text}}, "key_blob", max, &out, f);
    });
  };
  const std::string block =
      "-----BEGIN PGP PRIVATE KEY BLOCK-----\r\n\r\nxVgEZ0a1bBYJKwYBBAHaRw8BAQdA\n=AbCd\n"
      "-----END PGP PRIVATE KEY BLOCK-----\n";
  BOOST_TEST(!check(block, block.size()).refused);  // Exactly at the limit.
  BOOST_TEST(out == block);
  BOOST_TEST(!check("-----BEGIN PGP MESSAGE-----\n", 100).refused);

  Refusal r = check(block, block.size() - 1);
  ExpectRefused(r, "key_blob", block);
  BOOST_TEST(r.message ==
             "key_blob: is over the limit of " + std::to_string(block.size() - 1) + " bytes");
  for (const std::string& bad : std::vector<std::string>{
           std::string("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\0oops\n", 43),
           "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\tindented\n",
           "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\x7f\n",
           "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\x1b[31m\n",
           "----BEGIN PGP PUBLIC KEY BLOCK-----\n",
           "-----BEGIN SSH KEY-----\n",
           " -----BEGIN PGP MESSAGE-----\n",
           "xVgEZ0a1bBYJKwYBBAHaRw8BAQdA",
           "",
       }) {
    r = check(bad, 4096);
    ExpectRefused(r, "key_blob", "");
    BOOST_TEST(r.message == "key_blob: must be one ASCII-armored OpenPGP block");
  }
  r = Run([&](std::string* f) { return GetArmored({{"key_blob", 1}}, "key_blob", 10, &out, f); });
  ExpectRefused(r, "key_blob", "");
  r = Run([&](std::string* f) { return GetArmored(json::object(), "key_blob", 10, &out, f); });
  ExpectRefused(r, "key_blob", "");
}

}  // namespace
}  // namespace portal
