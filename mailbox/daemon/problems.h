#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/status.h"
#include "mailbox/daemon/http_message.h"

namespace portal {

// The daemon's answers: RFC 9457 problems (application/problem+json with type, title, status,
// detail and the failing field, if any) and JSON bodies. None carries a value from the request.

HttpResponse Problem(int status, const std::string& title, const std::string& detail,
                     const std::string& field = "");

// A JSON body with `status`.
HttpResponse JsonResponse(int status, const nlohmann::json& body);

// A parser's error: the body as a whole (`field` "") is 400, a field's form 422.
HttpResponse FieldProblem(const Status& status, const std::string& field);

// 401 naming Portal-Signature, with WWW-Authenticate.
HttpResponse Unauthorized(const std::string& detail);

// 429 for this `who` ("address", "key") with Retry-After.
HttpResponse TooManyRequests(const std::string& who, int retry_after_seconds);

// 405 with Allow: `method`.
HttpResponse MethodNotAllowed(const std::string& method);

// 503: the mailbox cannot do it now; `detail` says what to do.
HttpResponse Unavailable(const std::string& detail);

}  // namespace portal
