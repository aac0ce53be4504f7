#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/account_store.h"
#include "core/config.h"
#include "core/status.h"

namespace portal {

// The printable activation letter of `portal-staff activation-code --letter`: one
// self-contained HTML page (inline CSS, no script, nothing loaded: a CSP says so) with the
// hospital's name, the steps, the code large and grouped, a QR code of the register address
// with the code in its fragment, the expiry date and the help line.

struct LetterFacts {
  std::string code;  // Grouped: "K7M2Q-8XW4T-R9D3B".
  CodeKind kind = CodeKind::kPatient;
  std::string key_holder;    // A proxy code's key holder as staff wrote it; "" for a patient.
  std::string expires_date;  // The last local day it is valid, YYYY-MM-DD (hospital's zone).
};

// <site.base_url><accounts.register_path>: where the patient goes.
std::string RegisterUrl(const PortalConfig& config);
// RegisterUrl + "#code=" + the grouped code: the QR code's text. The code travels in the
// fragment only, which browsers never send to a server (nor into its logs).
std::string ActivationUrl(const PortalConfig& config, const std::string& grouped_code);

// The page; every value escaped. InvalidInput if the address does not fit a QR code.
Status ActivationLetterHtml(const PortalConfig& config, const LetterFacts& facts,
                            std::string* html);

// Writes the letter to a new file at `path`, mode 0600, fsynced. InvalidInput if anything exists
// at `path` (a letter is never overwritten: the old one may not be printed yet); errors say "the
// letter file", never its name (which may carry the patient's).
Status WriteLetterFile(const std::filesystem::path& path, std::string_view html);

}  // namespace portal
