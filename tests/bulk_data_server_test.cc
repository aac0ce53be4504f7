#define BOOST_TEST_MODULE bulk_data_server_test
// The Bulk Data test server (tests/bulk_data_server.py) driven over raw HTTP with libcurl: the
// SMART Backend Services token endpoint against JWTs signed here by an independent Python signer,
// the $export kick-off, status and file requests of the Bulk Data Access IG v2, and every
// scenario knob the client's tests rely on.
#include "tests/bulk_data_server.h"

#include <curl/curl.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "tests/test_util.h"

namespace portal::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);

// --- Raw HTTP -------------------------------------------------------------------------------

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string body;

  bool Has(const std::string& name) const { return headers.count(name) > 0; }
  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  json Json() const { return json::parse(body, nullptr, false); }
};

struct Call {
  Call(std::string method_in, std::string url_in)
      : method(std::move(method_in)), url(std::move(url_in)) {}
  std::string method;
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; "Name:" removes one of curl's.
  std::string body;
  bool gzip = false;  // Accept-Encoding: gzip, decoded by curl.
  long timeout_ms = 15000;
};

size_t OnBody(char* data, size_t size, size_t n, void* reply) {
  static_cast<Reply*>(reply)->body.append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  auto* reply = static_cast<Reply*>(out);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) reply->headers.clear();  // A new response (after a 100).
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    reply->headers[name] = value;
  }
  return size * n;
}

Reply Fetch(const Call& call) {
  Reply reply;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  for (const auto& h : call.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  if (call.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (call.gzip) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  reply.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

std::string Escape(const std::string& text) {
  char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string out = escaped;
  curl_free(escaped);
  return out;
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string form;
  for (const auto& [name, value] : fields) {
    form += (form.empty() ? "" : "&") + name + "=" + Escape(value);
  }
  return form;
}

// --- The test's own JWT signer and keys -------------------------------------------------------

// Keys: an EC P-384 and an RSA key registered in jwks.json (kids "ec-1", "rsa-1"), and another
// P-384 key the server has never seen. Signing: the JOSE compact form, ES384 as r || s.
const char kSigner[] = R"PY(
import base64, json, sys, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def num(n, size=None): return b64(n.to_bytes(size or (n.bit_length() + 7) // 8, "big"))
def save(key, path):
    open(path, "wb").write(key.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
if sys.argv[1] == "keys":
    d = sys.argv[2]
    ec_key, other = ec.generate_private_key(ec.SECP384R1()), ec.generate_private_key(ec.SECP384R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    save(ec_key, d + "/ec.pem"); save(other, d + "/other.pem"); save(rsa_key, d + "/rsa.pem")
    e, r = ec_key.public_key().public_numbers(), rsa_key.public_key().public_numbers()
    jwks = {"keys": [
        {"kty": "EC", "crv": "P-384", "kid": "ec-1", "x": num(e.x, 48), "y": num(e.y, 48)},
        {"kty": "RSA", "kid": "rsa-1", "n": num(r.n), "e": num(r.e)}]}
    open(d + "/jwks.json", "w").write(json.dumps(jwks))
else:
    key = serialization.load_pem_private_key(open(sys.argv[2], "rb").read(), None)
    header, claims = json.loads(sys.argv[3]), json.loads(sys.argv[4])
    if "exp_in" in claims: claims["exp"] = int(time.time()) + claims.pop("exp_in")
    data = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())).encode()
    if header["alg"] == "ES384":
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA384())))
        sig = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    else:
        sig = key.sign(data, padding.PKCS1v15(), hashes.SHA384())
    print(data.decode() + "." + b64(sig))
)PY";

const char kClientId[] = "test-client";

const fs::path& KeyDir() {
  static TempDir dir;
  static const bool made = [] {
    Spit(dir.path() / "signer.py", kSigner);
    const auto r = RunCommand(
        {"/usr/bin/python3", (dir.path() / "signer.py").string(), "keys", dir.path().string()});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return true;
  }();
  (void)made;
  return dir.path();
}

// A compact JWS of `claims` ("exp_in": seconds from now) signed with KEY.pem.
std::string Sign(const std::string& key, const json& header, const json& claims) {
  const auto r = RunCommand({"/usr/bin/python3", (KeyDir() / "signer.py").string(), "sign",
                             (KeyDir() / (key + ".pem")).string(), header.dump(), claims.dump()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  return r.out.substr(0, r.out.find_last_not_of("\n") + 1);
}

json EcHeader() { return {{"alg", "ES384"}, {"typ", "JWT"}, {"kid", "ec-1"}}; }
json RsaHeader() { return {{"alg", "RS384"}, {"typ", "JWT"}, {"kid", "rsa-1"}}; }

std::string NewJti() {
  static int n = 0;
  return "jti-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

// --- Synthetic data ---------------------------------------------------------------------------

const std::map<std::string, std::vector<std::string>> kData = {
    {"Patient",
     {R"({"resourceType":"Patient","id":"p1","meta":{"lastUpdated":"2024-01-01T00:00:00Z"},"name":[{"family":"Testperson","given":["Alpha"]}]})",
      R"({"resourceType":"Patient","id":"p2","meta":{"lastUpdated":"2024-03-01T00:00:00Z"},"name":[{"family":"Testperson","given":["Beta"]}]})",
      R"({"resourceType":"Patient","id":"p3","meta":{"lastUpdated":"2024-03-05T10:00:00.250+02:00"}})"}},
    {"Observation",
     {R"({"resourceType":"Observation","id":"o1","meta":{"lastUpdated":"2024-01-02T00:00:00Z"},"status":"final","code":{"text":"Synthetic"},"subject":{"reference":"Patient/p1"}})",
      R"({"resourceType":"Observation","id":"o2","meta":{"lastUpdated":"2024-03-02T00:00:00Z"},"status":"final","code":{"text":"Synthetic"},"subject":{"reference":"Patient/p2"}})",
      R"({"resourceType":"Observation","id":"o3","meta":{"lastUpdated":"2024-03-06T00:00:00Z"},"status":"final","code":{"text":"Synthetic"},"subject":{"reference":"Patient/p3"}})"}},
    {"Coverage",
     {R"({"resourceType":"Coverage","id":"c1","meta":{"lastUpdated":"2024-02-01T00:00:00Z"},"status":"active","beneficiary":{"reference":"Patient/p2"},"payor":[{"reference":"Organization/org1"}]})"}},
    {"Organization",
     {R"({"resourceType":"Organization","id":"org1","meta":{"lastUpdated":"2024-01-01T00:00:00Z"},"name":"Synthetic Hospital"})"}},
    {"Group",
     {R"({"resourceType":"Group","id":"g1","meta":{"lastUpdated":"2024-01-01T00:00:00Z"},"type":"person","actual":true,"member":[{"entity":{"reference":"Patient/p1"}},{"entity":{"reference":"Patient/p2"},"inactive":true},{"entity":{"reference":"Patient/p3"}}]})"}},
};
const char kDeleted[] =
    R"({"type":"Observation","id":"o9","deletedAt":"2024-02-15T00:00:00Z","patient":"Patient/p1"})"
    "\n"
    R"({"type":"Patient","id":"p7","deletedAt":"2024-01-10T00:00:00Z"})"
    "\n";

void WriteData(const fs::path& dir) {
  for (const auto& [type, lines] : kData) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    Spit(dir / (type + ".ndjson"), text);
  }
  Spit(dir / "deleted.ndjson", kDeleted);
}

std::string Line(const std::string& type, size_t index) { return kData.at(type).at(index) + "\n"; }

// --- The fixture ------------------------------------------------------------------------------

struct Env {
  explicit Env(bool auth = true)
      : server(tmp.path() / "state", tmp.path() / "data",
               auth ? BulkDataServer::Options{KeyDir() / "jwks.json", kClientId}
                    : BulkDataServer::Options{}) {
    WriteData(tmp.path() / "data");
    std::string why;
    BOOST_REQUIRE_MESSAGE(server.Start(&why), why);
  }

  std::string Root() const { return "http://127.0.0.1:" + std::to_string(server.port()); }

  json Claims(const std::string& jti) const {
    return {{"iss", kClientId},
            {"sub", kClientId},
            {"aud", server.TokenUrl()},
            {"exp_in", 240},
            {"jti", jti}};
  }

  Reply TokenRequest(const std::string& assertion, const std::string& scope = "system/*.rs",
                     const std::string& grant = "client_credentials") const {
    Call call{"POST", server.TokenUrl()};
    call.body =
        Form({{"grant_type", grant},
              {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
              {"client_assertion", assertion},
              {"scope", scope}});
    return Fetch(call);
  }

  std::string Token(const std::string& scope = "system/*.rs") const {
    const Reply r = TokenRequest(Sign("ec", EcHeader(), Claims(NewJti())), scope);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.Json()["access_token"].get<std::string>();
  }

  std::vector<std::string> Auth(const std::string& token) const {
    return token.empty() ? std::vector<std::string>{}
                         : std::vector<std::string>{"Authorization: Bearer " + token};
  }

  Reply Get(const std::string& url, const std::string& token,
            std::vector<std::string> headers = {}) const {
    Call call{"GET", url};
    call.headers = Auth(token);
    call.headers.insert(call.headers.end(), headers.begin(), headers.end());
    return Fetch(call);
  }

  // A kick-off at BaseUrl() + `path` ("/$export?...") with the headers the IG asks for.
  Reply Kickoff(const std::string& path, const std::string& token,
                std::vector<std::string> headers = {"Accept: application/fhir+json",
                                                    "Prefer: respond-async"}) const {
    return Get(server.BaseUrl() + path, token, std::move(headers));
  }

  // The manifest of a 202 kick-off, polling (without waiting) until it is ready.
  json Manifest(const Reply& kickoff, const std::string& token) const {
    BOOST_REQUIRE_MESSAGE(kickoff.status == 202, kickoff.status << " " << kickoff.body);
    for (int i = 0; i < 20; ++i) {
      const Reply r = Get(kickoff.Header("content-location"), token);
      if (r.status == 202) continue;
      BOOST_REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
      BOOST_CHECK_EQUAL(r.Header("content-type"), "application/json");
      return r.Json();
    }
    BOOST_FAIL("the export never completed");
    return {};
  }

  // {type: concatenated bodies of its output files}.
  std::map<std::string, std::string> Download(const json& manifest, const std::string& token,
                                              const char* array = "output") const {
    std::map<std::string, std::string> files;
    for (const auto& item : manifest[array]) {
      const Reply r = Get(item["url"].get<std::string>(), token);
      BOOST_REQUIRE_MESSAGE(r.status == 200 && r.code == CURLE_OK, r.status << " " << r.body);
      files[item["type"].get<std::string>()] += r.body;
    }
    return files;
  }

  TempDir tmp;
  BulkDataServer server;
};

// The OperationOutcome's first issue code, or "" when the body is not one.
std::string IssueCode(const Reply& r) {
  const json j = r.Json();
  if (!j.is_object() || j.value("resourceType", "") != "OperationOutcome") return "";
  return j["issue"][0].value("code", "");
}

// --- Discovery ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(metadata_and_smart_configuration_need_no_token) {
  Env env;
  const Reply meta = env.Get(env.server.BaseUrl() + "/metadata", "");
  BOOST_CHECK_EQUAL(meta.status, 200);
  BOOST_CHECK_EQUAL(meta.Header("content-type"), "application/fhir+json");
  BOOST_CHECK_EQUAL(meta.Json()["resourceType"], "CapabilityStatement");

  const Reply smart = env.Get(env.server.BaseUrl() + "/.well-known/smart-configuration", "");
  BOOST_REQUIRE_EQUAL(smart.status, 200);
  const json config = smart.Json();
  BOOST_CHECK_EQUAL(config["token_endpoint"], env.Root() + "/auth/token");
  BOOST_CHECK_EQUAL(config["token_endpoint_auth_methods_supported"],
                    json::array({"private_key_jwt"}));
  BOOST_CHECK_EQUAL(config["token_endpoint_auth_signing_alg_values_supported"],
                    json::array({"ES384", "RS384"}));
  BOOST_CHECK_EQUAL(config["grant_types_supported"], json::array({"client_credentials"}));
  const auto scopes = config["scopes_supported"].get<std::set<std::string>>();
  BOOST_CHECK(scopes.count("system/*.read") && scopes.count("system/*.rs"));
  const auto caps = config["capabilities"].get<std::set<std::string>>();
  BOOST_CHECK(caps.count("client-confidential-asymmetric"));
}

// --- SMART Backend Services: the token endpoint ------------------------------------------------

BOOST_AUTO_TEST_CASE(token_endpoint_accepts_es384_and_rs384_client_jwts) {
  Env env;
  const Reply es = env.TokenRequest(Sign("ec", EcHeader(), env.Claims(NewJti())));
  BOOST_REQUIRE_MESSAGE(es.status == 200, es.body);
  const json token = es.Json();
  BOOST_CHECK(!token["access_token"].get<std::string>().empty());
  BOOST_CHECK_EQUAL(token["token_type"], "bearer");
  BOOST_CHECK_EQUAL(token["expires_in"], 300);
  BOOST_CHECK_EQUAL(token["scope"], "system/*.rs");
  BOOST_CHECK_EQUAL(es.Header("cache-control"), "no-store");

  const Reply rs = env.TokenRequest(Sign("rsa", RsaHeader(), env.Claims(NewJti())),
                                    "system/Patient.read system/Observation.read");
  BOOST_REQUIRE_MESSAGE(rs.status == 200, rs.body);
  BOOST_CHECK_EQUAL(rs.Json()["scope"], "system/Patient.read system/Observation.read");

  env.server.SetScenario({{"token_lifetime_seconds", 60}});
  const Reply shorter = env.TokenRequest(Sign("ec", EcHeader(), env.Claims(NewJti())));
  BOOST_CHECK_EQUAL(shorter.Json()["expires_in"], 60);

  // The log keeps what the client sent, the JWT decoded (never its signature).
  const json last = env.server.Requests().back();
  BOOST_CHECK_EQUAL(last["path"], "/auth/token");
  BOOST_CHECK_EQUAL(last["status"], 200);
  BOOST_CHECK_EQUAL(last["grant_type"], "client_credentials");
  BOOST_CHECK_EQUAL(last["jwt_header"]["kid"], "ec-1");
  BOOST_CHECK_EQUAL(last["jwt_claims"]["aud"], env.server.TokenUrl());
}

BOOST_AUTO_TEST_CASE(token_endpoint_refuses_bad_client_jwts) {
  Env env;
  const auto refused = [&](const Reply& r, const std::string& error) {
    BOOST_CHECK_MESSAGE(r.status == 400 || r.status == 401, r.status << " " << r.body);
    BOOST_CHECK_EQUAL(r.Json().value("error", ""), error);
    BOOST_CHECK(r.Json().contains("error_description"));
  };
  // Signed with a key the server does not know, under a registered kid.
  refused(env.TokenRequest(Sign("other", EcHeader(), env.Claims(NewJti()))), "invalid_client");
  // An RSA signature under the EC key's kid.
  json mixed = EcHeader();
  mixed["alg"] = "RS384";
  refused(env.TokenRequest(Sign("rsa", mixed, env.Claims(NewJti()))), "invalid_client");
  // A kid not in the set.
  json unknown_kid = EcHeader();
  unknown_kid["kid"] = "nobody";
  refused(env.TokenRequest(Sign("ec", unknown_kid, env.Claims(NewJti()))), "invalid_client");
  // typ other than JWT.
  json typ = EcHeader();
  typ["typ"] = "at+jwt";
  refused(env.TokenRequest(Sign("ec", typ, env.Claims(NewJti()))), "invalid_client");
  // A replayed jti: the first use works, the second is refused.
  const std::string once = Sign("ec", EcHeader(), env.Claims(NewJti()));
  BOOST_CHECK_EQUAL(env.TokenRequest(once).status, 200);
  refused(env.TokenRequest(once), "invalid_client");
  // Claims: aud, iss/sub, exp (past, more than five minutes ahead, absent), jti absent.
  json claims = env.Claims(NewJti());
  claims["aud"] = env.Root() + "/auth/token/";
  refused(env.TokenRequest(Sign("ec", EcHeader(), claims)), "invalid_client");
  claims = env.Claims(NewJti());
  claims["iss"] = "someone-else";
  refused(env.TokenRequest(Sign("ec", EcHeader(), claims)), "invalid_client");
  claims = env.Claims(NewJti());
  claims["exp_in"] = -5;
  refused(env.TokenRequest(Sign("ec", EcHeader(), claims)), "invalid_client");
  claims = env.Claims(NewJti());
  claims["exp_in"] = 400;
  refused(env.TokenRequest(Sign("ec", EcHeader(), claims)), "invalid_client");
  claims = env.Claims(NewJti());
  claims.erase("exp_in");
  refused(env.TokenRequest(Sign("ec", EcHeader(), claims)), "invalid_client");
  claims = env.Claims(NewJti());
  claims.erase("jti");
  refused(env.TokenRequest(Sign("ec", EcHeader(), claims)), "invalid_client");
  // Not a JWT; a tampered signature.
  refused(env.TokenRequest("not-a-jwt"), "invalid_client");
  std::string tampered = Sign("ec", EcHeader(), env.Claims(NewJti()));
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  refused(env.TokenRequest(tampered), "invalid_client");
  // The grant and the scopes.
  refused(env.TokenRequest(Sign("ec", EcHeader(), env.Claims(NewJti())), "system/*.rs",
                           "authorization_code"),
          "unsupported_grant_type");
  refused(env.TokenRequest(Sign("ec", EcHeader(), env.Claims(NewJti())), "patient/*.read"),
          "invalid_scope");
  refused(env.TokenRequest(Sign("ec", EcHeader(), env.Claims(NewJti())), "system/*.cruds"),
          "invalid_scope");
  refused(env.TokenRequest(Sign("ec", EcHeader(), env.Claims(NewJti())), ""), "invalid_scope");
  // v2 scopes narrower than the pre-authorization are granted as asked.
  const Reply narrow =
      env.TokenRequest(Sign("ec", EcHeader(), env.Claims(NewJti())), "system/Observation.rs");
  BOOST_CHECK_EQUAL(narrow.Json()["scope"], "system/Observation.rs");
}

// --- Bearer tokens on the FHIR endpoints ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(fhir_requests_need_a_valid_unexpired_bearer_token) {
  Env env;
  const Reply none = env.Kickoff("/$export", "");
  BOOST_CHECK_EQUAL(none.status, 401);
  BOOST_CHECK(none.Header("www-authenticate").rfind("Bearer", 0) == 0);
  BOOST_CHECK_EQUAL(IssueCode(none), "login");

  const Reply forged = env.Kickoff("/$export", "forged-token");
  BOOST_CHECK_EQUAL(forged.status, 401);
  BOOST_CHECK(forged.Header("www-authenticate").find("error=\"invalid_token\"") !=
              std::string::npos);

  env.server.SetScenario({{"token_lifetime_seconds", 1}});
  const std::string brief = env.Token();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const Reply expired = env.Kickoff("/$export", brief);
  BOOST_CHECK_EQUAL(expired.status, 401);
  BOOST_CHECK(expired.Header("www-authenticate").find("error=\"invalid_token\"") !=
              std::string::npos);

  // A token that stops working mid-export: two uses, then 401.
  env.server.SetScenario({{"token_expire_after_requests", 2}, {"polls_before_ready", 5}});
  const std::string token = env.Token();
  const Reply kickoff = env.Kickoff("/$export", token);
  BOOST_CHECK_EQUAL(kickoff.status, 202);
  BOOST_CHECK_EQUAL(env.Get(kickoff.Header("content-location"), token).status, 202);
  const Reply third = env.Get(kickoff.Header("content-location"), token);
  BOOST_CHECK_EQUAL(third.status, 401);
  BOOST_CHECK(third.Header("www-authenticate").find("invalid_token") != std::string::npos);
  // A new token goes on with the same export.
  BOOST_CHECK_EQUAL(env.Get(kickoff.Header("content-location"), env.Token()).status, 202);

  // Asking for a type the token does not cover fails at kick-off.
  const std::string patients_only = env.Token("system/Patient.rs");
  BOOST_CHECK_EQUAL(env.Kickoff("/$export?_type=Observation", patients_only).status, 403);
}

// --- Kick-off ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(kickoff_refuses_what_the_ig_does_not_allow) {
  Env env;
  const std::string token = env.Token();
  const auto bad = [&](const Reply& r, long status = 400) {
    BOOST_CHECK_MESSAGE(r.status == status, r.status << " " << r.body);
    BOOST_CHECK_EQUAL(r.Header("content-type"), "application/fhir+json");
    BOOST_CHECK(!IssueCode(r).empty());
  };
  bad(env.Kickoff("/$export", token, {"Accept: application/fhir+json"}));  // No Prefer.
  bad(env.Kickoff("/$export", token, {"Prefer: respond-async"}));          // Accept: */*.
  bad(env.Kickoff("/$export", token, {"Accept: application/json", "Prefer: respond-async"}));
  bad(env.Kickoff("/$export?_count=10", token));
  bad(env.Kickoff("/$export?_typeFilter=Observation%3Fstatus%3Dfinal", token));
  bad(env.Kickoff("/$export?_since=yesterday", token));
  bad(env.Kickoff("/$export?_since=2024-01-01", token));                 // A date, not an instant.
  bad(env.Kickoff("/$export?_since=2024-01-01T00:00:00+01:00", token));  // '+' read as ' '.
  bad(env.Kickoff("/$export?_since=2024-01-01T00:00:00Z&_since=2024-02-01T00:00:00Z", token));
  bad(env.Kickoff("/$export?_outputFormat=text%2Fcsv", token));
  bad(env.Kickoff("/$export?_outputFormat=application/fhir+ndjson", token));  // '+' again.
  bad(env.Kickoff("/$export?_type=Observation,Nonsense", token));
  bad(env.Kickoff("/Group/nobody/$export", token), 404);

  for (const char* format : {"application%2Ffhir%2Bndjson", "application%2Fndjson", "ndjson"}) {
    BOOST_CHECK_EQUAL(env.Kickoff(std::string("/$export?_outputFormat=") + format, token).status,
                      202);
  }
  BOOST_CHECK_EQUAL(env.Kickoff("/$export?_since=2024-01-01T00:00:00%2B01:00", token).status, 202);

  // Prefer: handling=lenient: an unsupported parameter is ignored and named in the error file.
  const Reply lenient =
      env.Kickoff("/$export?_elements=id&_type=Patient", token,
                  {"Accept: application/fhir+json", "Prefer: respond-async, handling=lenient"});
  const json manifest = env.Manifest(lenient, token);
  BOOST_REQUIRE_EQUAL(manifest["error"].size(), 1u);
  const auto errors = env.Download(manifest, token, "error");
  BOOST_CHECK(errors.at("OperationOutcome").find("_elements") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(system_export_polls_then_serves_manifest_and_files) {
  Env env;
  env.server.SetScenario({{"polls_before_ready", 2}});
  const std::string token = env.Token();
  env.server.ClearRequests();
  const Reply kickoff = env.Kickoff("/$export?_type=Patient,Observation", token);
  BOOST_REQUIRE_EQUAL(kickoff.status, 202);
  BOOST_CHECK(kickoff.body.empty());
  const std::string location = kickoff.Header("content-location");
  BOOST_CHECK(location.rfind(env.Root() + "/bulkstatus/", 0) == 0);

  for (int i = 0; i < 2; ++i) {
    const Reply poll = env.Get(location, token, {"Accept: application/json"});
    BOOST_CHECK_EQUAL(poll.status, 202);
    BOOST_CHECK(poll.Header("x-progress").find("% complete") != std::string::npos);
    BOOST_CHECK_EQUAL(poll.Header("retry-after"), "1");
  }
  const Reply done = env.Get(location, token, {"Accept: application/json"});
  BOOST_REQUIRE_EQUAL(done.status, 200);
  BOOST_CHECK(done.Has("expires"));
  const json manifest = done.Json();
  BOOST_CHECK_EQUAL(manifest["request"],
                    env.server.BaseUrl() + "/$export?_type=Patient,Observation");
  BOOST_CHECK_EQUAL(manifest["requiresAccessToken"], true);
  BOOST_CHECK(manifest["error"].is_array() && manifest["error"].empty());
  BOOST_CHECK(!manifest.contains("deleted"));  // No _since.
  // After every lastUpdated (FHIR instants in UTC with milliseconds sort as text).
  const std::string tx = manifest["transactionTime"].get<std::string>();
  BOOST_CHECK_EQUAL(tx.size(), 24u);
  BOOST_CHECK(tx > "2024-03-06T00:00:00.000Z");

  std::map<std::string, int> counts;
  for (const auto& item : manifest["output"]) {
    counts[item["type"].get<std::string>()] += item["count"].get<int>();
    BOOST_CHECK(item["url"].get<std::string>().rfind(env.Root() + "/bulkfiles/", 0) == 0);
  }
  BOOST_CHECK((counts == std::map<std::string, int>{{"Observation", 3}, {"Patient", 3}}));

  const std::string first = manifest["output"][0]["url"].get<std::string>();
  const Reply file = env.Get(first, token, {"Accept: application/fhir+ndjson", "Accept-Encoding:"});
  BOOST_CHECK_EQUAL(file.status, 200);
  BOOST_CHECK_EQUAL(file.Header("content-type"), "application/fhir+ndjson");
  BOOST_CHECK_EQUAL(file.Header("transfer-encoding"), "chunked");
  BOOST_CHECK(!file.Has("content-length"));
  BOOST_CHECK(!file.Has("content-encoding"));
  const auto files = env.Download(manifest, token);
  BOOST_CHECK_EQUAL(files.at("Patient"),
                    Line("Patient", 0) + Line("Patient", 1) + Line("Patient", 2));
  BOOST_CHECK_EQUAL(files.at("Observation"),
                    Line("Observation", 0) + Line("Observation", 1) + Line("Observation", 2));
  // Files need the token too.
  BOOST_CHECK_EQUAL(env.Get(first, "").status, 401);

  // The log says what the client sent.
  const auto requests = env.server.Requests();
  BOOST_REQUIRE_GE(requests.size(), 4u);
  const json& k = requests[0];
  BOOST_CHECK_EQUAL(k["method"], "GET");
  BOOST_CHECK_EQUAL(k["path"], "/fhir/$export");
  BOOST_CHECK_EQUAL(k["query"], json::array({"_type"}));
  BOOST_CHECK_EQUAL(k["_type"], "Patient,Observation");
  BOOST_CHECK(k["_since"].is_null());
  BOOST_CHECK_EQUAL(k["status"], 202);
  BOOST_CHECK_EQUAL(k["authorization"], true);
  BOOST_CHECK_EQUAL(k["accept"], "application/fhir+json");
  BOOST_CHECK_EQUAL(k["prefer"], "respond-async");
  BOOST_CHECK_EQUAL(requests[1]["accept"], "application/json");
  BOOST_CHECK_EQUAL(requests[4]["accept"], "application/fhir+ndjson");
  BOOST_CHECK(requests[4]["accept_encoding"].is_null());
}

BOOST_AUTO_TEST_CASE(since_and_type_filter_and_report_deletions) {
  Env env;
  const std::string token = env.Token();
  const json manifest = env.Manifest(
      env.Kickoff("/$export?_since=2024-02-01T00:00:00Z&_type=Observation&_type=Patient", token),
      token);
  const auto files = env.Download(manifest, token);
  BOOST_CHECK_EQUAL(files.size(), 2u);
  BOOST_CHECK_EQUAL(files.at("Observation"), Line("Observation", 1) + Line("Observation", 2));
  BOOST_CHECK_EQUAL(files.at("Patient"), Line("Patient", 1) + Line("Patient", 2));
  // Observation/o9 was deleted after _since; Patient/p7 before it.
  BOOST_REQUIRE_EQUAL(manifest["deleted"].size(), 1u);
  BOOST_CHECK_EQUAL(manifest["deleted"][0]["type"], "Bundle");
  const std::string deleted = env.Download(manifest, token, "deleted").at("Bundle");
  const json bundle = json::parse(deleted.substr(0, deleted.find('\n')));
  BOOST_CHECK_EQUAL(bundle["resourceType"], "Bundle");
  BOOST_CHECK_EQUAL(bundle["type"], "transaction");
  BOOST_REQUIRE_EQUAL(bundle["entry"].size(), 1u);
  BOOST_CHECK_EQUAL(bundle["entry"][0]["request"],
                    json({{"method", "DELETE"}, {"url", "Observation/o9"}}));

  // The next night: nothing changed since the last transactionTime, then one new resource.
  const std::string since = manifest["transactionTime"].get<std::string>();
  const json quiet = env.Manifest(env.Kickoff("/$export?_since=" + Escape(since), token), token);
  BOOST_CHECK(quiet["output"].empty());
  Spit(env.tmp.path() / "data" / "Organization.ndjson",
       std::string(kData.at("Organization")[0]) + "\n" +
           R"({"resourceType":"Organization","id":"org2","meta":{"lastUpdated":")" + since +
           R"("},"name":"Synthetic Clinic"})" + "\n");
  const json next = env.Manifest(env.Kickoff("/$export?_since=2024-06-01T00:00:00Z", token), token);
  BOOST_REQUIRE_EQUAL(next["output"].size(), 1u);
  BOOST_CHECK(env.Download(next, token).at("Organization").find("org2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(patient_and_group_level_exports) {
  Env env;
  const std::string token = env.Token();
  const auto patient =
      env.Download(env.Manifest(env.Kickoff("/Patient/$export", token), token), token);
  BOOST_CHECK(!patient.count("Organization"));  // Outside the patient compartment.
  BOOST_CHECK(!patient.count("Group"));
  BOOST_CHECK_EQUAL(patient.at("Coverage"), Line("Coverage", 0));  // By beneficiary.
  BOOST_CHECK_EQUAL(patient.at("Patient").size(),
                    (Line("Patient", 0) + Line("Patient", 1) + Line("Patient", 2)).size());

  const auto group =
      env.Download(env.Manifest(env.Kickoff("/Group/g1/$export", token), token), token);
  BOOST_CHECK_EQUAL(group.at("Patient"), Line("Patient", 0) + Line("Patient", 2));
  BOOST_CHECK_EQUAL(group.at("Observation"), Line("Observation", 0) + Line("Observation", 2));
  BOOST_CHECK(!group.count("Coverage"));  // p2 is an inactive member.
}

BOOST_AUTO_TEST_CASE(post_kickoff_takes_a_parameters_resource) {
  Env env;
  const std::string token = env.Token();
  const auto post = [&](const json& parameters) {
    Call call{"POST", env.server.BaseUrl() + "/Group/g1/$export"};
    call.headers = {"Authorization: Bearer " + token, "Accept: application/fhir+json",
                    "Prefer: respond-async", "Content-Type: application/fhir+json"};
    call.body = parameters.dump();
    return Fetch(call);
  };
  const Reply ok = post({{"resourceType", "Parameters"},
                         {"parameter",
                          {{{"name", "_type"}, {"valueString", "Observation"}},
                           {{"name", "_since"}, {"valueInstant", "2024-01-05T00:00:00Z"}}}}});
  const json manifest = env.Manifest(ok, token);
  BOOST_CHECK_EQUAL(manifest["request"], env.server.BaseUrl() + "/Group/g1/$export");
  BOOST_CHECK_EQUAL(env.Download(manifest, token).at("Observation"), Line("Observation", 2));
  const json logged = env.server.Requests()[1];
  BOOST_CHECK_EQUAL(logged["method"], "POST");
  BOOST_CHECK_EQUAL(logged["parameters"], json::array({"_type", "_since"}));
  BOOST_CHECK_EQUAL(logged["_type"], "Observation");

  const Reply string_since =
      post({{"resourceType", "Parameters"},
            {"parameter", {{{"name", "_since"}, {"valueString", "2024-01-01T12:00:00Z"}}}}});
  BOOST_CHECK_EQUAL(string_since.status, 400);
  BOOST_CHECK_EQUAL(post({{"resourceType", "Bundle"}}).status, 400);
}

// --- Status knobs -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(retry_after_takes_every_form_the_scenario_asks) {
  Env env;
  const std::string token = env.Token();
  const std::map<std::string, std::string> expected = {
      {"seconds", "7"}, {"absurd", "99999999"}, {"garbage", "soon"}};
  for (const auto& [form, value] : expected) {
    env.server.SetScenario(
        {{"polls_before_ready", 3}, {"retry_after", form}, {"retry_after_seconds", 7}});
    const Reply poll = env.Get(env.Kickoff("/$export", token).Header("content-location"), token);
    BOOST_CHECK_EQUAL(poll.status, 202);
    BOOST_CHECK_EQUAL(poll.Header("retry-after"), value);
  }
  env.server.SetScenario({{"retry_after", "date"}, {"retry_after_seconds", 30}});
  const std::string date = env.Get(env.Kickoff("/$export", token).Header("content-location"), token)
                               .Header("retry-after");
  BOOST_CHECK_EQUAL(date.size(), 29u);  // "Thu, 01 Jan 2026 00:00:00 GMT"
  BOOST_CHECK(date.size() > 4 && date.substr(date.size() - 4) == " GMT");
}

BOOST_AUTO_TEST_CASE(throttling_transient_and_fatal_errors) {
  Env env;
  const std::string token = env.Token();
  env.server.SetScenario({{"kickoff_429", 1}, {"kickoff_500_transient", 1}});
  const Reply throttled = env.Kickoff("/$export", token);
  BOOST_CHECK_EQUAL(throttled.status, 429);
  BOOST_CHECK_EQUAL(throttled.Header("retry-after"), "1");
  const Reply transient = env.Kickoff("/$export", token);
  BOOST_CHECK_EQUAL(transient.status, 500);
  BOOST_CHECK_EQUAL(IssueCode(transient), "transient");
  const Reply kickoff = env.Kickoff("/$export", token);
  BOOST_CHECK_EQUAL(kickoff.status, 202);

  env.server.SetScenario(
      {{"status_429", 2}, {"status_500_transient", 1}, {"polls_before_ready", 0}});
  const std::string location = kickoff.Header("content-location");
  BOOST_CHECK_EQUAL(env.Get(location, token).status, 429);
  BOOST_CHECK_EQUAL(env.Get(location, token).status, 429);
  const Reply status_transient = env.Get(location, token);
  BOOST_CHECK_EQUAL(status_transient.status, 500);
  BOOST_CHECK_EQUAL(IssueCode(status_transient), "transient");
  const Reply ready = env.Get(location, token);
  BOOST_CHECK_EQUAL(ready.status, 200);

  env.server.SetScenario({{"status_fatal", true}});
  const Reply fatal = env.Get(location, token);
  BOOST_CHECK_EQUAL(fatal.status, 500);
  BOOST_CHECK_EQUAL(IssueCode(fatal), "exception");
  BOOST_CHECK_EQUAL(fatal.Json()["issue"][0]["severity"], "fatal");
  env.server.SetScenario(json::object());
  BOOST_CHECK_EQUAL(env.Get(location, token).status, 500);  // The job stays dead.
  const std::string url = ready.Json()["output"][0]["url"].get<std::string>();
  BOOST_CHECK_EQUAL(env.Get(url, token).status, 404);

  // A typo in a scenario shows at once.
  env.server.SetScenario({{"polls_before_redy", 1}});
  BOOST_CHECK_EQUAL(env.Kickoff("/$export", token).status, 500);
}

BOOST_AUTO_TEST_CASE(partial_manifests_link_to_the_next_page) {
  Env env;
  env.server.SetScenario({{"manifest_page_size", 2}, {"max_resources_per_file", 1}});
  const std::string token = env.Token();
  json page = env.Manifest(env.Kickoff("/$export?_type=Patient,Observation", token), token);
  const std::string tx = page["transactionTime"].get<std::string>();
  std::set<std::string> urls;
  int pages = 1;
  while (true) {
    BOOST_CHECK_EQUAL(page["transactionTime"], tx);
    BOOST_CHECK_LE(page["output"].size(), 2u);
    for (const auto& item : page["output"]) urls.insert(item["url"].get<std::string>());
    if (!page.contains("link")) break;
    BOOST_REQUIRE_EQUAL(page["link"][0]["relation"], "next");
    const std::string next = page["link"][0]["url"].get<std::string>();
    BOOST_CHECK(next.rfind(env.Root() + "/", 0) == 0);
    const Reply r = env.Get(next, token);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    page = r.Json();
    ++pages;
  }
  BOOST_CHECK_EQUAL(pages, 3);
  BOOST_CHECK_EQUAL(urls.size(), 6u);  // One resource per file.
}

BOOST_AUTO_TEST_CASE(error_file_lists_operation_outcomes) {
  Env env;
  env.server.SetScenario({{"error_file", true}});
  const std::string token = env.Token();
  const json manifest = env.Manifest(env.Kickoff("/$export?_type=Patient", token), token);
  BOOST_REQUIRE_EQUAL(manifest["error"].size(), 1u);
  BOOST_CHECK_EQUAL(manifest["error"][0]["type"], "OperationOutcome");
  const std::string text = env.Download(manifest, token, "error").at("OperationOutcome");
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    BOOST_CHECK_EQUAL(json::parse(line)["resourceType"], "OperationOutcome");
    ++n;
  }
  BOOST_CHECK_EQUAL(n, manifest["error"][0]["count"].get<int>());
}

BOOST_AUTO_TEST_CASE(delete_cancels_the_export_and_its_files) {
  Env env;
  const std::string token = env.Token();
  const Reply kickoff = env.Kickoff("/$export", token);
  const json manifest = env.Manifest(kickoff, token);
  const std::string location = kickoff.Header("content-location");
  Call del{"DELETE", location};
  del.headers = {"Authorization: Bearer " + token};
  BOOST_CHECK_EQUAL(Fetch(del).status, 202);
  const Reply gone = env.Get(location, token);
  BOOST_CHECK_EQUAL(gone.status, 404);
  BOOST_CHECK_EQUAL(IssueCode(gone), "not-found");
  BOOST_CHECK_EQUAL(env.Get(manifest["output"][0]["url"].get<std::string>(), token).status, 404);
  BOOST_CHECK_EQUAL(env.Get(env.Root() + "/bulkstatus/0123abcd", token).status, 404);
}

// --- File knobs ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(files_gzip_cut_ranges_and_expiry) {
  Env env;
  const std::string token = env.Token();
  const json manifest = env.Manifest(env.Kickoff("/$export?_type=Patient", token), token);
  const std::string url = manifest["output"][0]["url"].get<std::string>();
  const std::string whole = Line("Patient", 0) + Line("Patient", 1) + Line("Patient", 2);

  env.server.SetScenario({{"gzip", true}});
  Call zipped{"GET", url};
  zipped.headers = {"Authorization: Bearer " + token};
  zipped.gzip = true;
  const Reply gz = Fetch(zipped);
  BOOST_CHECK_EQUAL(gz.code, CURLE_OK);
  BOOST_CHECK_EQUAL(gz.Header("content-encoding"), "gzip");
  BOOST_CHECK(!gz.Has("content-length"));
  BOOST_CHECK_EQUAL(gz.body, whole);  // Decoded by curl.
  BOOST_CHECK(!env.Get(url, token, {"Accept-Encoding:"}).Has("content-encoding"));

  env.server.SetScenario({{"cut_file_after_bytes", 30}, {"cut_times", 1}});
  const Reply cut = env.Get(url, token);
  BOOST_CHECK_NE(cut.code, CURLE_OK);
  BOOST_CHECK_EQUAL(cut.body, whole.substr(0, 30));
  const Reply again = env.Get(url, token);
  BOOST_CHECK_EQUAL(again.code, CURLE_OK);
  BOOST_CHECK_EQUAL(again.body, whole);

  env.server.SetScenario({{"ranges", true}});
  const Reply ranged = env.Get(url, token, {"Range: bytes=30-"});
  BOOST_CHECK_EQUAL(ranged.status, 206);
  BOOST_CHECK_EQUAL(ranged.Header("content-range"), "bytes 30-" + std::to_string(whole.size() - 1) +
                                                        "/" + std::to_string(whole.size()));
  BOOST_CHECK_EQUAL(ranged.body, whole.substr(30));
  env.server.SetScenario(json::object());
  const Reply ignored = env.Get(url, token, {"Range: bytes=30-"});
  BOOST_CHECK_EQUAL(ignored.status, 200);
  BOOST_CHECK_EQUAL(ignored.body, whole);

  BOOST_CHECK_EQUAL(env.Get(url, token, {"Accept: text/html"}).status, 406);
  BOOST_CHECK_EQUAL(env.Get(url, token, {"Accept:"}).status, 200);

  // Seven downloads so far (the refused one does not count): the file expires after eight.
  env.server.SetScenario({{"expire_files_after_downloads", 8}});
  BOOST_CHECK_EQUAL(env.Get(url, token).status, 200);
  const Reply expired = env.Get(url, token);
  BOOST_CHECK_EQUAL(expired.status, 410);
  BOOST_CHECK_EQUAL(expired.Header("content-type"), "application/fhir+json");
}

BOOST_AUTO_TEST_CASE(a_hanging_request_holds_only_itself) {
  Env env;
  const std::string token = env.Token();
  const Reply kickoff = env.Kickoff("/$export", token);
  env.server.SetScenario({{"hang", "status"}});
  Call hung{"GET", kickoff.Header("content-location")};
  hung.headers = {"Authorization: Bearer " + token};
  hung.timeout_ms = 1000;
  const Reply timed_out = Fetch(hung);
  BOOST_CHECK_EQUAL(timed_out.code, CURLE_OPERATION_TIMEDOUT);
  BOOST_CHECK_EQUAL(env.Get(env.server.BaseUrl() + "/metadata", "").status, 200);
  BOOST_CHECK(env.server.Requests()[2]["status"].is_null());
  env.server.SetScenario({{"hang", "token"}});
  Call token_call{"POST", env.server.TokenUrl()};
  token_call.body = "grant_type=client_credentials";
  token_call.timeout_ms = 500;
  BOOST_CHECK_EQUAL(Fetch(token_call).code, CURLE_OPERATION_TIMEDOUT);
  env.server.SetScenario(json::object());
  BOOST_CHECK_EQUAL(env.Get(kickoff.Header("content-location"), token).status, 202);
}

// --- Without authorization
// ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(without_a_jwks_no_token_is_asked_for) {
  Env env(/*auth=*/false);
  BOOST_CHECK_EQUAL(env.Get(env.server.BaseUrl() + "/.well-known/smart-configuration", "").status,
                    404);
  const json manifest = env.Manifest(env.Kickoff("/$export?_type=Organization", ""), "");
  BOOST_CHECK_EQUAL(manifest["requiresAccessToken"], false);
  BOOST_CHECK_EQUAL(env.Download(manifest, "").at("Organization"), Line("Organization", 0));
  BOOST_CHECK_EQUAL(env.server.Requests()[0]["authorization"], false);
}

}  // namespace
}  // namespace portal::testing
