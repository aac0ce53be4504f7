#include "generator/summaries/summary_model.h"

#include "core/sha256.h"

namespace portal {

namespace {

// An unambiguous encoding of the model for its hash: strings length-prefixed, numbers and
// booleans terminated, every struct's fields in one fixed order (listed once, here), lists
// with their length. Far cheaper than building JSON (the model of a patient with ten years of
// results has thousands of values); nothing ever reads it back.
class Encoder {
 public:
  std::string Take() { return std::move(out_); }

  void Add(const std::string& s) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_ += s;
  }
  void Add(int64_t v) {
    out_ += std::to_string(v);
    out_ += ';';
  }
  void Add(bool b) { out_ += b ? 'T' : 'F'; }
  template <class T>
  void Add(const std::vector<T>& list) {
    out_ += '[';
    Add(static_cast<int64_t>(list.size()));
    for (const auto& item : list) Add(item);
    out_ += ']';
  }
  // as_of and valid_until are not here: they say when, not what.
  void Add(const SummaryDate& d) { Fields(d.text, d.when); }
  void Add(const SummaryValue& v) { Fields(v.comparator, v.number, v.unit, v.ucum, v.text); }
  void Add(const SummaryFact& f) { Fields(f.name, f.value); }
  void Add(const SummaryEntry& e) {
    Fields(e.kind, e.label, e.date, e.detail, e.facts, e.alert, e.history);
  }
  void Add(const ResultPoint& p) { Fields(p.date, p.value, p.range, p.flag); }
  void Add(const ResultTest& t) { Fields(t.key, t.label, t.points); }
  void Add(const ResultPanel& p) { Fields(p.key, p.label, p.latest, p.tests); }
  void Add(const SummarySection& s) {
    Fields(s.id, s.title, s.window, s.note, s.layout, s.patient_only, s.lists_allergies, s.entries,
           s.panels);
  }

  template <class... F>
  void Fields(const F&... fields) {
    out_ += '{';
    (Add(fields), ...);
    out_ += '}';
  }

 private:
  std::string out_;
};

}  // namespace

std::string SummaryValue::Display() const {
  if (!number.empty()) return comparator + number + (unit.empty() ? "" : " " + unit);
  return text;
}

size_t SummarySection::Count() const {
  size_t n = 0;
  for (const auto& e : entries) n += e.kind == "no-known-allergy" ? 0 : 1;
  for (const auto& p : panels) n += p.tests.size();
  return n;
}

std::string SummaryModel::Canonical() const {
  Encoder e;
  e.Fields(patient_id, name, mrn, birth_date,
           std::string(audience == Audience::kPatient ? "patient" : "proxy"),
           static_cast<int64_t>(eligibility), sections);
  return e.Take();
}

std::string SummaryModel::Hash() const { return Sha256Hex(Canonical()); }

}  // namespace portal
