// portal-staff queue list: what is waiting in the mailbox queue, oldest first. Metadata only:
// nothing is decrypted.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <regex>
#include <vector>

#include "core/command_output.h"
#include "core/fhir_time.h"
#include "core/parse_number.h"
#include "core/terminal_text.h"
#include "mailbox/common/queue_store.h"
#include "mailbox/staff/commands.h"
#include "mailbox/staff/staff_session.h"
#include "mailbox/staff/word_lists.h"

namespace portal {

namespace {

struct QueueListOptions {
  std::string state;       // Only this state ("" = all).
  std::string kind;        // Only this kind ("" = both).
  std::string provider;    // Only messages to this provider.
  std::string older_than;  // Only items waiting longer ("90m", "36h", "7d").
  bool json = false;
};

// What the options select; Usage for a word or age that is not one.
struct Filter {
  std::optional<ItemState> state;
  std::optional<ItemKind> kind;
  int64_t older = 0;  // Seconds; 0 for any age.
};

// "90m", "36h", "7d" -> seconds; -1 if malformed.
int64_t ParseAge(const std::string& text) {
  static const std::regex kAge("([0-9]{1,6})([mhd])");
  std::smatch m;
  int64_t n = 0;
  if (!std::regex_match(text, m, kAge) || !ParseInt64(m[1].str(), &n)) return -1;
  return m[2] == "m" ? n * 60 : m[2] == "h" ? n * 3600 : n * 86400;
}

Status ReadFilter(const QueueListOptions& o, Filter* f) {
  if (!o.state.empty()) {
    f->state.emplace();
    if (!ParseItemState(o.state, &*f->state)) {
      return Status::Usage("--state must be " + ListWordsOr(ItemStateNames()));
    }
  }
  if (!o.kind.empty()) {
    f->kind.emplace();
    if (!ParseItemKind(o.kind, &*f->kind)) {
      return Status::Usage("--kind must be " + ListWordsOr(ItemKindNames()));
    }
  }
  f->older = o.older_than.empty() ? 0 : ParseAge(o.older_than);
  if (f->older < 0) return Status::Usage("--older-than must be like 90m, 36h or 7d");
  return Status::Ok();
}

// "42m", "36h", "9d": how long an item has waited.
std::string Waiting(int64_t waited) {
  waited = std::max<int64_t>(0, waited);
  if (waited < 3600) return std::to_string(waited / 60) + "m";
  if (waited < 2 * 86400) return std::to_string(waited / 3600) + "h";
  return std::to_string(waited / 86400) + "d";
}

void PrintItems(bool json, const std::vector<QueuedItem>& items, int64_t now) {
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& i : items) {
      out.push_back({{"receipt", i.receipt},
                     {"kind", std::string(ToString(i.kind))},
                     {"state", std::string(ToString(i.state))},
                     {"provider", i.provider},
                     {"received_at", FormatInstant(i.received_at)},
                     {"bytes", i.bytes}});
    }
    PrintJson(out);
    return;
  }
  if (items.empty()) {
    std::printf("the queue is empty\n");
    return;
  }
  std::printf("%-32s  %-14s  %-9s  %-12s  %-20s  %s\n", "RECEIPT", "KIND", "STATE", "PROVIDER",
              "RECEIVED", "WAITING");
  for (const auto& i : items) {
    std::printf("%-32s  %-14s  %-9s  %-12s  %-20s  %s\n", i.receipt.c_str(),
                std::string(ToString(i.kind)).c_str(), std::string(ToString(i.state)).c_str(),
                i.provider.empty() ? "-" : TerminalSafe(i.provider).c_str(),
                FormatInstant(i.received_at).c_str(), Waiting(now - i.received_at).c_str());
  }
  std::printf("%zu item%s\n", items.size(), items.size() == 1 ? "" : "s");
}

Status RunQueueList(const std::string& config_path, const QueueListOptions& o, const Clock& clock) {
  Filter f;
  PORTAL_RETURN_IF_ERROR(ReadFilter(o, &f));
  Session s;
  PORTAL_RETURN_IF_ERROR(OpenSession(config_path, &s));
  std::unique_ptr<QueueStore> queue;
  PORTAL_RETURN_IF_ERROR(QueueStore::Open(s.layout->mailbox_db, &queue));
  std::vector<QueuedItem> items;
  PORTAL_RETURN_IF_ERROR(queue->List(f.state, &items));
  const int64_t now = clock.Now();
  std::erase_if(items, [&](const QueuedItem& i) {
    return (f.kind && i.kind != *f.kind) || (!o.provider.empty() && i.provider != o.provider) ||
           (f.older > 0 && now - i.received_at < f.older);
  });
  PrintItems(o.json, items, now);
  return Status::Ok();
}

}  // namespace

void RegisterQueueListCommand(CommandTable* table, const Clock& clock) {
  CLI::App* queue = table->Group("queue", "The mailbox queue (metadata only)");
  auto o = std::make_shared<QueueListOptions>();
  CLI::App* list = table->Add(queue, "list", "What is waiting, oldest first", [table, o, &clock] {
    return RunQueueList(table->config_path(), *o, clock);
  });
  list->add_option("--state", o->state, "Only this state: " + ListWords(ItemStateNames()));
  list->add_option("--kind", o->kind, "Only " + ListWordsOr(ItemKindNames()));
  list->add_option("--provider", o->provider, "Only messages to this provider id");
  list->add_option("--older-than", o->older_than, "Only items waiting longer: 90m, 36h, 7d");
  list->add_flag("--json", o->json, "JSON output");
}

}  // namespace portal
