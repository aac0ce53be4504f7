#include "generator/summaries/summary_rows.h"

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "generator/summaries/page_dates.h"

namespace portal {

namespace {

// A group shows this many rows; the rest, older ones, are behind <details>.
constexpr size_t kShownRows = 10;

struct Words {
  const char* heading;  // The group's heading, and the plural in "Show 4 older ...".
  const char* what;     // The first column's heading.
  const char* date;     // The date column's heading.
};

Words WordsFor(const std::string& group) {
  static const std::map<std::string, Words> kWords = {
      {"allergy", {"Allergies", "Substance", "Date"}},
      {"condition", {"Conditions", "Condition", "Date"}},
      {"medication", {"Medications", "Medication", "Prescribed"}},
      {"visit", {"Visits", "Visit", "Date"}},
      {"immunization", {"Vaccines", "Vaccine", "Latest"}},
      {"report", {"Reports", "Report", "Date"}},
      {"document", {"Documents", "Document", "Date"}},
  };
  const auto it = kWords.find(group);
  return it != kWords.end() ? it->second : Words{"Other items", "What", "Date"};
}

std::string GroupOf(const SummaryEntry& e) {
  return e.kind == "no-known-allergy" ? "allergy" : e.kind;
}

struct Group {
  std::string key;
  std::vector<const SummaryEntry*> rows;
  const SummaryEntry* no_known = nullptr;  // The latest "no known allergies" statement.
};

std::vector<Group> Grouped(const SummarySection& section) {
  std::vector<Group> groups;
  auto find = [&groups](const std::string& key) -> Group& {
    for (auto& g : groups) {
      if (g.key == key) return g;
    }
    groups.push_back(Group{key, {}, nullptr});
    return groups.back();
  };
  if (section.lists_allergies) find("allergy"), find("condition");
  for (const auto& e : section.entries) {
    Group& g = find(GroupOf(e));
    if (e.kind != "no-known-allergy") {
      g.rows.push_back(&e);
    } else if (g.no_known == nullptr) {
      g.no_known = &e;
    }
  }
  return groups;
}

// The fact names some row of the group has, in the order they first appear.
std::vector<std::string> Columns(const Group& g) {
  std::vector<std::string> names;
  for (const SummaryEntry* e : g.rows) {
    for (const auto& f : e->facts) {
      if (f.value.empty()) continue;
      bool known = false;
      for (const auto& n : names) known = known || n == f.name;
      if (!known) names.push_back(f.name);
    }
  }
  return names;
}

mstch::node History(const SummaryEntry& e) {
  if (e.history.size() < 2) return false;
  mstch::array dates;
  for (const auto& d : e.history) dates.push_back(DateNode(d));
  return mstch::map{{"summary", std::to_string(e.history.size()) + " dates"},
                    {"dates", std::move(dates)}};
}

mstch::map Row(const SummaryEntry& e, const std::vector<std::string>& columns) {
  mstch::array cells;
  for (const auto& name : columns) {
    std::string value;
    for (const auto& f : e.facts) {
      if (f.name == name && value.empty()) value = f.value;
    }
    cells.push_back(mstch::map{{"name", name}, {"value", value}});
  }
  return mstch::map{{"label", e.label},
                    {"alert", e.alert},
                    {"alert_text", std::string(e.kind == "allergy" ? "High risk" : "Important")},
                    {"date", DateNode(e.date)},
                    {"cells", std::move(cells)},
                    {"detail", e.detail},
                    {"history", History(e)}};
}

std::string EmptyText(const Group& g) {
  if (g.key == "allergy") return g.no_known ? "No known allergies" : "No allergies recorded";
  if (g.key == "condition") return "No conditions recorded";
  return "None on file";
}

mstch::map GroupNode(const Group& g, bool with_heading) {
  const Words words = WordsFor(g.key);
  const std::vector<std::string> columns = Columns(g);
  bool has_dates = false, has_detail = false, has_history = false;
  for (const SummaryEntry* e : g.rows) {
    has_dates = has_dates || !e->date.text.empty();
    has_detail = has_detail || !e->detail.empty();
    has_history = has_history || e->history.size() > 1;
  }
  mstch::array shown, older;
  for (const SummaryEntry* e : g.rows) {
    (shown.size() < kShownRows ? shown : older).push_back(Row(*e, columns));
  }
  mstch::node more = false;
  if (!older.empty()) {
    std::string heading = words.heading;
    for (auto& c : heading) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    more = mstch::map{{"summary", "Show " + std::to_string(older.size()) + " older " + heading},
                      {"rows", std::move(older)}};
  }
  mstch::array column_nodes;
  for (const auto& c : columns) column_nodes.push_back(mstch::map{{"name", c}});
  return mstch::map{
      {"heading", with_heading ? std::string(words.heading) : std::string()},
      {"group", g.key},
      {"empty_text", g.rows.empty() ? EmptyText(g) : std::string()},
      {"empty_date", g.rows.empty() && g.no_known ? DateNode(g.no_known->date) : false},
      {"has_rows", !g.rows.empty()},
      {"what_heading", std::string(words.what)},
      {"date_heading", std::string(words.date)},
      {"has_dates", has_dates},
      {"columns", std::move(column_nodes)},
      {"has_detail", has_detail},
      {"has_history", has_history},
      {"rows", std::move(shown)},
      {"more", std::move(more)},
  };
}

}  // namespace

mstch::array RowGroups(const SummarySection& section) {
  const std::vector<Group> groups = Grouped(section);
  mstch::array out;
  for (const auto& g : groups) out.push_back(GroupNode(g, groups.size() > 1));
  return out;
}

}  // namespace portal
