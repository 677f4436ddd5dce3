// The admin API of an edge node, on a listener of its own ([admin] in the
// node config), in the shapes of Cloudflare's v4 API so that existing
// tooling and habits carry over:
//
//   GET  /client/v4/zones                       the node's zones
//   POST /client/v4/zones/{zone}/purge_cache    purge cached objects of a zone
//
// {zone} is the zone's `name`. A purge body holds exactly one of
//   {"files": ["https://example.com/a.css", {"url": "...", "headers": {...}}]}
//   {"prefixes": ["example.com/static/"]}     (no scheme; a bare host = all of it)
//   {"tags": ["product-1"]}
//   {"hosts": ["example.com"]}
//   {"purge_everything": true}
// with at most kMaxPurgeItems items. Purges run synchronously on the admin
// thread; when the answer is sent they have taken effect, on disk too.
//
// Every request needs `Authorization: Bearer <token>`. The token is compared
// in constant time, and wrong tokens are throttled per client address (see
// AuthThrottle): after a few failures the address gets 429 with Retry-After,
// for a lockout that doubles with every further failure. Answers use
// Cloudflare's envelope ({"success", "errors", "messages", "result"}); the
// error codes are the constants below (Cloudflare's where it has one).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cache/rules.h"
#include "edge/auth_throttle.h"
#include "net/http_types.h"

namespace verge::cache {
class Store;
}

namespace verge::net {
class Exchange;
}

namespace verge::edge {

// Error codes in the `errors` array, with the HTTP status they come with.
namespace admin_error {
constexpr int kBadPurgeRequest = 1012;   // 400: the purge body is not acceptable (Cloudflare's)
constexpr int kMalformedJson = 6007;     // 400: the body is not JSON (Cloudflare's)
constexpr int kAuthentication = 10000;   // 401 missing/malformed, 403 wrong token (Cloudflare's)
constexpr int kThrottled = 971;          // 429: locked out after wrong tokens (Cloudflare's rate
                                         // limit code, "Please wait and consider throttling...")
constexpr int kNoRoute = 7000;           // 404: no such endpoint (Cloudflare's)
constexpr int kMethodNotAllowed = 7001;  // 405 (Cloudflare's)
constexpr int kUnknownZone = 7003;       // 404: no zone by that name (Cloudflare's)
constexpr int kBodyTooLarge = 6100;      // 413: body over kMaxBodyBytes (verge's)
constexpr int kInternal = 6200;          // 500: the purge itself failed (verge's)
}  // namespace admin_error

constexpr size_t kMaxAdminBodyBytes = 1 << 20;
constexpr size_t kMaxPurgeItems = 100;

// A zone as the admin API sees it.
struct AdminZone {
  std::string name;
  std::vector<std::string> hosts;             // route patterns, e.g. "example.com", "*.example.com"
  std::vector<cache::CacheRule> cache_rules;  // to key purged URLs as requests are keyed
};

// One purge for the store, in the store's terms.
struct PurgeOp {
  enum class Kind { kUrl, kPrefix, kTag, kHost, kZone };
  Kind kind = Kind::kZone;
  std::string host;   // lowercase, without port (kUrl, kPrefix, kHost)
  std::string value;  // keyed path and query (kUrl), path prefix (kPrefix), tag (kTag)
};

struct PurgeRequest {
  std::string kind;  // "files", "prefixes", "tags", "hosts" or "purge_everything"
  std::vector<PurgeOp> ops;
};

struct ApiError {
  int status = 400;  // HTTP status
  int code = admin_error::kBadPurgeRequest;
  std::string message;
};

// Parses a purge_cache body for `zone`: JSON, exactly one kind, every
// URL/host/prefix on one of the zone's hosts. URLs are keyed with the zone's
// cache-key rules (query dropped or sorted), so a purge names the same
// object as the request that stored it. Pure: no I/O.
std::variant<PurgeRequest, ApiError> parsePurgeRequest(const AdminZone& zone,
                                                       std::string_view body);

// Cloudflare's envelope: {"success": true, "errors": [], "messages": [],
// "result": <result JSON>} and {"success": false, "errors": [{"code",
// "message"}], "messages": [], "result": null}.
std::string successEnvelope(std::string_view result_json);
std::string errorEnvelope(int code, std::string_view message);

struct AdminRequest {
  std::string_view method;
  std::string_view target;  // origin-form, may carry a query
  const net::HeaderList* headers = nullptr;
  std::string_view body;
  bool body_too_large = false;  // the body exceeded kMaxAdminBodyBytes (and was not read)
  std::string_view client;      // the client's address, for throttling failed authentication
};

struct AdminResponse {
  int status = 200;
  net::HeaderList headers;  // content-type and friends
  std::string body;
  std::string log_note;  // for the access log, e.g. "admin purge files (3 objects)"
};

class AdminApi {
 public:
  // `store` must outlive the AdminApi. `token` is the bearer token every
  // request must carry; it must not be empty. `throttle` says how failed
  // authentication is throttled.
  AdminApi(std::vector<AdminZone> zones, std::string token, cache::Store& store,
           AuthThrottle throttle = AuthThrottle());
  ~AdminApi();
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // Answers one request whose body has been read. Runs purges synchronously.
  AdminResponse respond(const AdminRequest& request);

  // A net::Handler: checks the token, reads the body (up to
  // kMaxAdminBodyBytes), then answers with respond().
  void handle(std::shared_ptr<net::Exchange> exchange);

 private:
  // nullptr when the request may go on; else the 401/403/429 answer.
  // Records the outcome with the throttle.
  std::unique_ptr<AdminResponse> checkAuth(const net::HeaderList& headers, std::string_view client);
  const AdminZone* findZone(std::string_view name) const;
  AdminResponse listZones() const;
  AdminResponse purge(const AdminZone& zone, std::string_view body);
  void readBody(std::shared_ptr<net::Exchange> exchange, std::shared_ptr<net::BodySource> source,
                std::shared_ptr<std::string> buffer);

  std::vector<AdminZone> zones_;
  std::string token_digest_;  // SHA-256 of the token: compared, never the token itself
  cache::Store& store_;
  // Used on the admin server's thread only (it has one), and by respond()
  // wherever a test calls it.
  AuthThrottle throttle_;
};

}  // namespace verge::edge
