#include "mailbox/staff/activation_letter.h"

#include <array>

#include "core/file_util.h"
#include "core/html_escape.h"
#include "core/parse_number.h"
#include "mailbox/staff/qr_svg.h"

namespace portal {

namespace {

// "2026-12-10" -> "December 10, 2026" (as the FAQ writes dates); the text itself if it is not
// a date.
std::string LongDate(const std::string& ymd) {
  static constexpr std::array<const char*, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  int year = 0, month = 0, day = 0;
  if (ymd.size() != 10 || !ParseInt(ymd.substr(0, 4), &year) ||
      !ParseInt(ymd.substr(5, 2), &month) || !ParseInt(ymd.substr(8, 2), &day) || month < 1 ||
      month > 12) {
    return ymd;
  }
  return std::string(kMonths[month - 1]) + " " + std::to_string(day) + ", " + std::to_string(year);
}

constexpr char kStyle[] = R"css(
@page { size: auto; margin: 18mm; }
body { font-family: system-ui, sans-serif; font-size: 12pt; line-height: 1.45; color: #000;
       max-width: 170mm; margin: 0 auto; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
.code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 26pt;
        font-weight: bold; letter-spacing: 0.08em; margin: 4mm 0; white-space: nowrap; }
.qr { float: right; margin: 0 0 4mm 6mm; text-align: center; font-size: 9pt; }
.url { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.tel { white-space: nowrap; }
ol li { margin-bottom: 2mm; }
.small { font-size: 10pt; }
)css";

std::string Steps(const PortalConfig& config, const LetterFacts& f) {
  const std::string url = "<span class=\"url\">" + HtmlEscape(RegisterUrl(config)) + "</span>";
  if (f.kind == CodeKind::kProxy) {
    return "<li>Go to " + url +
           " (or scan the QR code).</li>\n"
           "<li>Enter this code and the date of birth of the patient whose record you may "
           "see.</li>\n"
           "<li>Choose a Logon ID and a password (at least 12 characters). If you already have "
           "a Patient Portal account, sign in and add this record with the code instead.</li>\n";
  }
  return "<li>Go to " + url +
         " (or scan the QR code).</li>\n"
         "<li>Enter this code and your date of birth.</li>\n"
         "<li>Choose a Logon ID and a password (at least 12 characters). Keep them to "
         "yourself: staff will never ask for your password.</li>\n";
}

}  // namespace

std::string RegisterUrl(const PortalConfig& config) {
  return config.site.base_url + config.accounts.register_path;
}

std::string ActivationUrl(const PortalConfig& config, const std::string& grouped_code) {
  return RegisterUrl(config) + "#code=" + grouped_code;
}

Status ActivationLetterHtml(const PortalConfig& config, const LetterFacts& f, std::string* html) {
  std::string qr;
  PORTAL_RETURN_IF_ERROR(QrSvg(ActivationUrl(config, f.code), "38mm", &qr));
  const std::string hospital = HtmlEscape(config.hospital.name);
  const bool proxy = f.kind == CodeKind::kProxy;
  std::string out =
      "<!doctype html>\n<html lang=\"" + HtmlEscape(config.site.language) +
      "\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n"
      "<title>" +
      hospital + " Patient Portal: your activation code</title>\n<style>" + kStyle +
      "</style>\n</head>\n<body>\n<h1>" + hospital + " Patient Portal</h1>\n";
  if (proxy) {
    out += "<p>Prepared for <strong>" + HtmlEscape(f.key_holder) +
           "</strong>, who may see a patient's summary with the patient's consent.</p>\n";
  }
  out += "<div class=\"qr\">" + qr + "<br>Scan to open the page</div>\n";
  out += "<p>Your activation code:</p>\n<p class=\"code\" id=\"code\">" + HtmlEscape(f.code) +
         "</p>\n";
  out += "<p>It can be used once, until the end of <strong>" +
         HtmlEscape(LongDate(f.expires_date)) + "</strong>.</p>\n";
  out += "<h2>Open your account</h2>\n<ol>\n" + Steps(config, f) + "</ol>\n";
  out +=
      "<p>Keep this letter private, and shred it once your account is open: anyone with the "
      "code and the date of birth could open the account.</p>\n";
  out += "<p class=\"small\">Questions, or a forgotten Logon ID? Call the " +
         HtmlEscape(config.help_line.name) + " at <span class=\"tel\">" +
         HtmlEscape(config.help_line.display) + "</span>. Code expired or lost? Visit the " +
         HtmlEscape(config.hospital.records_department) + " with photo ID.</p>\n</body>\n</html>\n";
  *html = std::move(out);
  return Status::Ok();
}

Status WriteLetterFile(const std::filesystem::path& path, std::string_view html) {
  const Status st = WriteNewFile(path, html, 0600);
  if (st.ok()) return st;
  // The file's name may carry the patient's: the messages never repeat it.
  if (st.code() == Status::Code::kInvalidInput) {
    return Status::InvalidInput(
        "refused: the letter file exists already (it is never overwritten: choose another name)");
  }
  return Status::IoError("cannot write the letter file (does its folder exist?)");
}

}  // namespace portal
