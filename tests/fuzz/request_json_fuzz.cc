// The mailbox's JSON request parsers (messages, profile changes, activations, key resets,
// key-blob changes, proxy links; mailbox/daemon/*_request*.h) on bodies from anyone on the
// internet; each input goes through every one. Properties: no crash and no exception; a body
// with a key twice in any one object (found independently, by nlohmann's parse events) is
// refused by every parser; no error or field name repeats a value sent (the seeds carry the
// marker QX7 in values); an accepted message is within its limits, free of control characters,
// for a configured provider and timed within the allowed clock skew.

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "mailbox/daemon/account_requests.h"
#include "mailbox/daemon/message_request.h"
#include "mailbox/daemon/profile_request.h"
#include "mailbox/daemon/request_fields.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr int64_t kNow = 1748736000;  // 2025-06-01T00:00:00Z.

struct Facts {
  bool parsed = false;
  bool duplicate = false;
  std::set<std::string> values;  // String values holding the marker.
  std::set<std::string> keys;
};

// What the body holds, read by nlohmann (not the parsers' reader) through its parse events.
Facts Read(std::string_view text) {
  Facts facts;
  std::vector<std::set<std::string>> open;  // Keys of each open object; arrays push none.
  std::vector<bool> is_object;
  auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& j) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      open.emplace_back();
      is_object.push_back(true);
    } else if (event == E::array_start) {
      is_object.push_back(false);
    } else if (event == E::object_end) {
      open.pop_back();
      is_object.pop_back();
    } else if (event == E::array_end) {
      is_object.pop_back();
    } else if (event == E::key) {
      const auto& k = j.get_ref<const std::string&>();
      facts.keys.insert(k);
      if (!open.back().insert(k).second) facts.duplicate = true;
    } else if (event == E::value && j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      if (s.find("QX7") != std::string::npos) facts.values.insert(s);
    }
    return true;
  };
  const auto doc = nlohmann::json::parse(text, callback, /*allow_exceptions=*/false);
  facts.parsed = !doc.is_discarded();
  return facts;
}

void CheckRefusal(const portal::Status& st, const std::string& field, const Facts& facts) {
  if (st.ok()) {
    FUZZ_CHECK(facts.parsed && !facts.duplicate);
    return;
  }
  for (const auto& v : facts.values) {
    if (facts.keys.count(v)) continue;  // Also a key: a field name may be that.
    FUZZ_CHECK(st.message().find(v) == std::string::npos);
    FUZZ_CHECK(field.find(v) == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const portal::PortalConfig& config = portal::fuzz::ProjectConfig();
  const std::string_view body = portal::fuzz::AsText(data, size);
  const Facts facts = Read(body);
  {
    portal::MessageRequest m;
    std::string field;
    const portal::Status st = portal::ParseMessageRequest(config, body, kNow, &m, &field);
    CheckRefusal(st, field, facts);
    if (st.ok()) {
      FUZZ_CHECK(portal::Utf8Length(m.subject) <= portal::kMaxSubjectChars);
      FUZZ_CHECK(portal::Utf8Length(m.body) <= portal::kMaxBodyChars);
      FUZZ_CHECK(portal::TextProblem(m.subject, portal::TextForm::kOneLine).empty());
      FUZZ_CHECK(portal::TextProblem(m.body, portal::TextForm::kLines).empty());
      FUZZ_CHECK(m.timestamp >= kNow - portal::kClockSkewSeconds &&
                 m.timestamp <= kNow + portal::kClockSkewSeconds);
      bool known = false;
      for (const auto& p : config.providers) known = known || p.id == m.provider;
      FUZZ_CHECK(known);
    }
  }
  {
    portal::ProfileChangeRequest p;
    std::string field;
    CheckRefusal(portal::ParseProfileChangeRequest(config, body, kNow, &p, &field), field, facts);
  }
  {
    portal::KeyRequest k;
    std::string field;
    CheckRefusal(portal::ParseActivationRequest(config, body, kNow, &k, &field), field, facts);
    portal::KeyRequest r;
    field.clear();
    CheckRefusal(portal::ParseKeyResetRequest(config, body, kNow, &r, &field), field, facts);
  }
  {
    portal::KeyBlobRequest b;
    std::string field;
    CheckRefusal(portal::ParseKeyBlobRequest(config, body, kNow, &b, &field), field, facts);
  }
  {
    portal::ProxyLinkRequest l;
    std::string field;
    CheckRefusal(portal::ParseProxyLinkRequest(body, kNow, &l, &field), field, facts);
  }
  return 0;
}
