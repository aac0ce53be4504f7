#include "mailbox/staff/profile_change.h"

#include <algorithm>

namespace portal {

namespace {

bool IsProfileField(const PortalConfig& config, const std::string& id) {
  return std::any_of(config.profile_fields.begin(), config.profile_fields.end(),
                     [&](const PortalConfig::ProfileField& f) { return f.id == id; });
}

}  // namespace

Status GroupProposedFields(const PortalConfig& config, const ParsedDocument& task,
                           ProfileChange* out) {
  out->values.clear();
  out->fields.clear();
  for (const ProposedValue& v : task.proposed) {
    if (!IsProfileField(config, v.field)) {
      return Status::InvalidInput("change Task input " + std::to_string(v.input) + ": \"" +
                                  v.field + "\" is not a profile field in the config");
    }
    out->values[v.field].push_back(&v);
  }
  for (const auto& f : config.profile_fields) {
    if (out->values.count(f.id)) out->fields.push_back(f.id);
  }
  return Status::Ok();
}

std::string ContactRole(const std::string& field) {
  return field == "next_of_kin" ? "N" : field == "person_to_notify" ? "C" : "";
}

}  // namespace portal
