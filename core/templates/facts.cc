#include "core/templates/facts.h"

namespace portal {

std::string MarkdownEscape(std::string_view text) {
  static constexpr std::string_view kEscaped = "!#$%()*+,-./:;=?@[\\]^_`{|}~";
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (kEscaped.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

namespace {

class FactsBuilder {
 public:
  explicit FactsBuilder(FactsFor target) : target_(target) {}

  mstch::node Text(const std::string& s) const {
    return target_ == FactsFor::kMarkdown ? MarkdownEscape(s) : s;
  }

  mstch::map Build(const PortalConfig& c) const {
    mstch::array providers, topics, sections, fields;
    for (const auto& p : c.providers)
      providers.push_back(mstch::map{{"id", p.id}, {"name", Text(p.name)}});
    for (const auto& t : c.site.topics)
      topics.push_back(mstch::map{{"id", t.id}, {"title", Text(t.title)}});
    for (const auto& f : c.profile_fields)
      fields.push_back(mstch::map{{"id", f.id}, {"label", Text(f.label)}});
    for (const auto& s : c.release.sections) {
      if (s.shown) sections.push_back(Section(s));  // A section turned off is not listed.
    }
    return mstch::map{
        {"hospital", mstch::map{{"name", Text(c.hospital.name)},
                                {"short_name", Text(c.hospital.short_name)},
                                {"records_department", Text(c.hospital.records_department)},
                                {"portal_url", Text(c.hospital.portal_url)}}},
        {"help_line", mstch::map{{"name", Text(c.help_line.name)},
                                 {"display", Text(c.help_line.display)},
                                 {"tel", Text(c.help_line.tel)}}},
        {"site", mstch::map{{"title", Text(c.site.title)},
                            {"language", c.site.language},
                            {"base_url", Text(c.site.base_url)},
                            {"base_path", Text(c.site.base_path)},
                            {"topics", topics}}},
        {"mrn",
         mstch::map{{"example", Text(c.mrn.example)}, {"description", Text(c.mrn.description)}}},
        {"messaging", mstch::map{{"providers", providers}}},
        {"release",
         mstch::map{{"delay_hours", Text(std::to_string(c.release.delay_hours))},
                    {"minimum_age_years", Text(std::to_string(c.release.minimum_age_years))},
                    {"sections", sections}}},
        {"profile", mstch::map{{"fields", fields}}},
    };
  }

 private:
  // Only the section's own window key is present, so {{#since_year}}…{{/since_year}} in
  // content shows the matching wording.
  mstch::map Section(const PortalConfig::ReleaseSection& s) const {
    mstch::map m{{"id", s.id}, {"title", Text(s.title)}, {"shows", Text(s.shows)}};
    if (s.current_only) m.emplace("current_only", true);
    if (s.since_year != 0) m.emplace("since_year", Text(std::to_string(s.since_year)));
    if (s.max_age_years != 0) m.emplace("max_age_years", Text(std::to_string(s.max_age_years)));
    if (!s.note.empty()) m.emplace("note", Text(s.note));
    if (s.audience == "patient") m.emplace("patient_only", true);  // Never on a proxy's page.
    return m;
  }

  FactsFor target_;
};

}  // namespace

mstch::map FactsContext(const PortalConfig& config, FactsFor target) {
  return FactsBuilder(target).Build(config);
}

}  // namespace portal
