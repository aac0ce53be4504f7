#include "mailbox/daemon/health_handler.h"

#include <nlohmann/json.hpp>

#include "mailbox/daemon/problems.h"

namespace portal {

HttpResponse HandleHealth(MailboxContext* context, RequestOutcome* outcome) {
  std::vector<StaffKey> staff;
  if (!context->StaffKeys(&staff).ok()) {
    outcome->what = "registry-error";
    return Unavailable("the registry cannot be read");
  }
  outcome->what = "ok";
  return JsonResponse(200, {{"status", "ok"}, {"accepting", !staff.empty()}});
}

}  // namespace portal
