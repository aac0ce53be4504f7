#include "mailbox/daemon/problems.h"

#include <nlohmann/json.hpp>

namespace portal {

namespace {

// Invalid UTF-8 would make dump() throw; the daemon's own texts are valid, and if one were not
// it is replaced rather than ending the request.
std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

HttpResponse Problem(int status, const std::string& title, const std::string& detail,
                     const std::string& field) {
  nlohmann::ordered_json j = {
      {"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  if (!field.empty()) j["field"] = field;
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = Dump(j);
  return r;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse FieldProblem(const Status& status, const std::string& field) {
  return field.empty() ? Problem(400, "Bad Request", status.message())
                       : Problem(422, "Unprocessable Content", status.message(), field);
}

HttpResponse Unauthorized(const std::string& detail) {
  HttpResponse r = Problem(401, "Unauthorized", detail, "Portal-Signature");
  r.headers["WWW-Authenticate"] = "OpenPGP-Signature";
  return r;
}

HttpResponse TooManyRequests(const std::string& who, int retry_after_seconds) {
  HttpResponse r =
      Problem(429, "Too Many Requests",
              "too many requests from this " + who + "; retry after the seconds in Retry-After");
  r.headers["Retry-After"] = std::to_string(retry_after_seconds);
  return r;
}

HttpResponse MethodNotAllowed(const std::string& method) {
  HttpResponse r = Problem(405, "Method Not Allowed", "use " + method);
  r.headers["Allow"] = method;
  return r;
}

HttpResponse Unavailable(const std::string& detail) {
  return Problem(503, "Service Unavailable", detail);
}

}  // namespace portal
