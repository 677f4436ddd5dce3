#include "edge/admin_api.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "cache/store.h"
#include "edge/router.h"
#include "net/http_server.h"

namespace verge::edge {

using json = nlohmann::json;

namespace {

constexpr std::string_view kZonesPath = "/client/v4/zones";
constexpr std::string_view kPurgeSuffix = "/purge_cache";
constexpr size_t kMaxTagBytes = 1024;

// Text from clients may be any bytes; never let it make dump() throw.
std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && net::iequals(s.substr(0, prefix.size()), prefix);
}

// The SHA-256 of `s`. Tokens are compared by digest: two digests have the
// same length whatever the tokens are, and CRYPTO_memcmp looks at every
// byte, so the time an answer takes tells a client neither the token's
// length nor how much of its guess was right.
std::string sha256(std::string_view s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string percentDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

AdminResponse jsonResponse(int status, std::string body, std::string note = "admin") {
  AdminResponse r;
  r.status = status;
  r.headers = {{"content-type", "application/json"}, {"cache-control", "no-store"}};
  r.body = std::move(body);
  r.log_note = std::move(note);
  return r;
}

AdminResponse errorResponse(int status, int code, std::string_view message) {
  return jsonResponse(status, errorEnvelope(code, message));
}

AdminResponse errorResponse(const ApiError& e) {
  return errorResponse(e.status, e.code, e.message);
}

ApiError badRequest(std::string message) {
  return ApiError{400, admin_error::kBadPurgeRequest, std::move(message)};
}

// Whether `host` (lowercase, no port) is served by `zone`: it matches the
// host part of one of the zone's patterns (a path in a pattern is ignored:
// the purge names the host, whatever path its objects have).
class ZoneHosts {
 public:
  explicit ZoneHosts(const AdminZone& zone) {
    for (const auto& pattern : zone.hosts) {
      std::string_view p = pattern;
      if (startsWithNoCase(p, "http://"))
        p.remove_prefix(7);
      else if (startsWithNoCase(p, "https://"))
        p.remove_prefix(8);
      try {
        router_.add(p.substr(0, p.find('/')), 0);
      } catch (const std::invalid_argument&) {
        // The node config checked the zone's patterns when it was loaded.
      }
    }
  }
  bool contains(std::string_view host) const { return router_.match(host, "/").has_value(); }

 private:
  Router router_;
};

// Splits "host[:port]" (as in a URL or a prefix), lowercases the host and
// drops the port: the cache keys objects by host without port. False when it
// is not a plausible host name or IP literal.
bool parseHost(std::string_view authority, std::string& host) {
  std::string_view h = authority;
  std::string_view port;
  if (!h.empty() && h.front() == '[') {
    size_t close = h.find(']');
    if (close == std::string_view::npos) return false;
    port = h.substr(close + 1);
    h = h.substr(0, close + 1);
    if (!port.empty() && port.front() != ':') return false;
    for (char c : h.substr(1, h.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
  } else {
    size_t colon = h.rfind(':');
    if (colon != std::string_view::npos) {
      port = h.substr(colon);
      h = h.substr(0, colon);
    }
    for (char c : h) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_')
        return false;
    }
  }
  if (!port.empty()) {
    port.remove_prefix(1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
  }
  if (h.empty()) return false;
  host = lower(h);
  return true;
}

std::string jsonQuoted(std::string_view s) { return dumpJson(json(std::string(s))); }

std::string hostNotInZone(std::string_view where, std::string_view host, const AdminZone& zone) {
  std::string hosts;
  for (const auto& h : zone.hosts) hosts += (hosts.empty() ? "" : ", ") + h;
  return std::string(where) + ": host " + jsonQuoted(host) + " is not in zone " +
         jsonQuoted(zone.name) + " (its hosts: " + hosts + ")";
}

// "https://Example.com:443/a?b#c" → host "example.com" and the keyed path.
std::variant<PurgeOp, ApiError> parseFileUrl(const AdminZone& zone, const ZoneHosts& hosts,
                                             std::string_view where, std::string_view url) {
  std::string_view rest = url;
  if (startsWithNoCase(rest, "http://"))
    rest.remove_prefix(7);
  else if (startsWithNoCase(rest, "https://"))
    rest.remove_prefix(8);
  else
    return badRequest(std::string(where) + ": " + jsonQuoted(url) +
                      " is not an absolute http:// or https:// URL");
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path_and_query =
      end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return badRequest(std::string(where) + ": URLs with credentials (user@host) are not accepted");
  }
  PurgeOp op;
  op.kind = PurgeOp::Kind::kUrl;
  if (!parseHost(authority, op.host)) {
    return badRequest(std::string(where) + ": " + jsonQuoted(url) + " has no valid host");
  }
  if (!hosts.contains(op.host)) return badRequest(hostNotInZone(where, op.host, zone));
  if (size_t hash = path_and_query.find('#'); hash != std::string_view::npos) {
    path_and_query = path_and_query.substr(0, hash);
  }
  std::string target(path_and_query);
  if (target.empty() || target.front() != '/') target.insert(0, "/");
  std::string_view path = std::string_view(target).substr(0, target.find('?'));
  // Keyed as the request that stored it was: the zone's cache-key rules for
  // this path may drop or sort the query.
  op.value = cache::keyedPath(target, cache::resolveRules(zone.cache_rules, path).cache_key);
  return op;
}

// "example.com/static/" → host "example.com", prefix "/static/"; a bare host
// is the prefix "/" (every path of it).
std::variant<PurgeOp, ApiError> parsePrefix(const AdminZone& zone, const ZoneHosts& hosts,
                                            std::string_view where, std::string_view prefix) {
  if (prefix.find("://") != std::string_view::npos) {
    return badRequest(
        std::string(where) + ": " + jsonQuoted(prefix) +
        ": a prefix has no scheme; write it as host/path, e.g. \"example.com/static/\"");
  }
  if (prefix.find_first_of("?#") != std::string_view::npos) {
    return badRequest(std::string(where) + ": " + jsonQuoted(prefix) +
                      ": a prefix may not contain a query string or fragment");
  }
  size_t slash = prefix.find('/');
  PurgeOp op;
  op.kind = PurgeOp::Kind::kPrefix;
  if (!parseHost(prefix.substr(0, slash), op.host)) {
    return badRequest(std::string(where) + ": " + jsonQuoted(prefix) +
                      " does not start with a valid host");
  }
  if (!hosts.contains(op.host)) return badRequest(hostNotInZone(where, op.host, zone));
  op.value = slash == std::string_view::npos ? "/" : std::string(prefix.substr(slash));
  return op;
}

std::variant<PurgeOp, ApiError> parseHostItem(const AdminZone& zone, const ZoneHosts& hosts,
                                              std::string_view where, std::string_view host) {
  PurgeOp op;
  op.kind = PurgeOp::Kind::kHost;
  if (host.find_first_of("/?#") != std::string_view::npos || !parseHost(host, op.host)) {
    return badRequest(std::string(where) + ": " + jsonQuoted(host) +
                      " is not a host name (no scheme or path: e.g. \"example.com\")");
  }
  if (!hosts.contains(op.host)) return badRequest(hostNotInZone(where, op.host, zone));
  return op;
}

std::variant<PurgeOp, ApiError> parseTag(std::string_view where, std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagBytes || tag.find(',') != std::string_view::npos) {
    return badRequest(std::string(where) + ": a tag is 1.." + std::to_string(kMaxTagBytes) +
                      " bytes without commas");
  }
  PurgeOp op;
  op.kind = PurgeOp::Kind::kTag;
  op.value = lower(tag);  // Cache-Tag values are compared case-insensitively
  return op;
}

}  // namespace

std::string successEnvelope(std::string_view result_json) {
  return R"({"success":true,"errors":[],"messages":[],"result":)" + std::string(result_json) + "}";
}

std::string errorEnvelope(int code, std::string_view message) {
  json error = {{"code", code}, {"message", std::string(message)}};
  return R"({"success":false,"errors":[)" + dumpJson(error) + R"(],"messages":[],"result":null})";
}

std::variant<PurgeRequest, ApiError> parsePurgeRequest(const AdminZone& zone,
                                                       std::string_view body) {
  static constexpr const char* kKinds =
      R"("files", "prefixes", "tags", "hosts" or "purge_everything")";
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return ApiError{
        400, admin_error::kMalformedJson,
        std::string("The request body is empty: send a JSON object with one of ") + kKinds};
  }
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    return ApiError{400, admin_error::kMalformedJson,
                    std::string("Malformed JSON in request body: ") + e.what()};
  }
  if (!j.is_object())
    return badRequest(std::string("The request body must be a JSON object with one of ") + kKinds);

  PurgeRequest out;
  for (const auto& [key, value] : j.items()) {
    if (key != "files" && key != "prefixes" && key != "tags" && key != "hosts" &&
        key != "purge_everything") {
      return badRequest("Unknown key " + jsonQuoted(key) + " (expected " + kKinds + ")");
    }
    if (!out.kind.empty()) {
      return badRequest("Purge one kind per request: got both " + jsonQuoted(out.kind) + " and " +
                        jsonQuoted(key));
    }
    out.kind = key;
  }
  if (out.kind.empty()) return badRequest(std::string("Request must contain one of ") + kKinds);

  const json& value = j[out.kind];
  if (out.kind == "purge_everything") {
    if (value != json(true)) return badRequest("\"purge_everything\" must be true");
    out.ops.push_back({PurgeOp::Kind::kZone, "", ""});
    return out;
  }
  if (!value.is_array()) return badRequest(jsonQuoted(out.kind) + " must be an array");
  if (value.empty()) return badRequest(jsonQuoted(out.kind) + " must not be empty");
  if (value.size() > kMaxPurgeItems) {
    return badRequest(jsonQuoted(out.kind) + ": at most " + std::to_string(kMaxPurgeItems) +
                      " items per request (got " + std::to_string(value.size()) + ")");
  }

  ZoneHosts hosts(zone);
  for (size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    std::string where = out.kind + "[" + std::to_string(i) + "]";
    std::variant<PurgeOp, ApiError> op = ApiError{};
    if (out.kind == "files") {
      std::string url;
      if (item.is_string()) {
        url = item.get<std::string>();
      } else if (item.is_object()) {
        // Cloudflare's {"url", "headers"} form. The headers pick one cached
        // variant there; here a URL's purge drops all its variants, so they
        // are checked and otherwise not needed.
        for (const auto& [k, v] : item.items()) {
          if (k == "url") {
            if (!v.is_string()) return badRequest(where + ".url must be a string");
            url = v.get<std::string>();
          } else if (k == "headers") {
            if (!v.is_object()) return badRequest(where + ".headers must be an object of strings");
            for (const auto& [hk, hv] : v.items()) {
              if (!hv.is_string())
                return badRequest(where + ".headers." + hk + " must be a string");
            }
          } else {
            return badRequest(where + ": unknown key " + jsonQuoted(k) +
                              " (expected url or headers)");
          }
        }
        if (url.empty()) return badRequest(where + ".url is required");
      } else {
        return badRequest(where +
                          " must be a URL string or an object {\"url\": ..., \"headers\": {...}}");
      }
      op = parseFileUrl(zone, hosts, where, url);
    } else {
      if (!item.is_string()) return badRequest(where + " must be a string");
      std::string s = item.get<std::string>();
      if (out.kind == "prefixes")
        op = parsePrefix(zone, hosts, where, s);
      else if (out.kind == "hosts")
        op = parseHostItem(zone, hosts, where, s);
      else
        op = parseTag(where, s);
    }
    if (auto* error = std::get_if<ApiError>(&op)) return *error;
    out.ops.push_back(std::move(std::get<PurgeOp>(op)));
  }
  return out;
}

AdminApi::AdminApi(std::vector<AdminZone> zones, std::string token, cache::Store& store,
                   AuthThrottle throttle)
    : zones_(std::move(zones)),
      token_digest_(token.empty() ? std::string() : sha256(token)),
      store_(store),
      throttle_(std::move(throttle)) {}

AdminApi::~AdminApi() = default;

std::unique_ptr<AdminResponse> AdminApi::checkAuth(const net::HeaderList& headers,
                                                   std::string_view client) {
  // A locked-out address is refused before its token is looked at: sending
  // more guesses during the lockout gets it nothing, not even an answer to
  // whether a guess was right.
  if (std::chrono::seconds wait = throttle_.lockedFor(client); wait.count() > 0) {
    auto r = std::make_unique<AdminResponse>(
        errorResponse(429, admin_error::kThrottled,
                      "Too many failed authentication attempts from this address: try again in " +
                          std::to_string(wait.count()) + " s"));
    r->headers.push_back({"retry-after", std::to_string(wait.count())});
    r->log_note = "admin auth locked out";
    return r;
  }
  auto header = net::findHeader(headers, "authorization");
  auto deny = [](int status, std::string message) {
    auto r = std::make_unique<AdminResponse>(
        errorResponse(status, admin_error::kAuthentication, message));
    if (status == 401) r->headers.push_back({"www-authenticate", "Bearer realm=\"verge admin\""});
    return r;
  };
  // A missing or malformed header is not a guess at the token (a probe or a
  // misconfigured client), so only wrong tokens count as failures.
  if (!header) {
    return deny(401,
                "Missing Authorization header: send 'Authorization: Bearer <token>' with the "
                "[admin] token of the node config");
  }
  std::string_view v = *header;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (!startsWithNoCase(v, "bearer ")) {
    return deny(401, "Malformed Authorization header: expected 'Bearer <token>'");
  }
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.empty() || v.find_first_of(" \t") != std::string_view::npos) {
    return deny(401, "Malformed Authorization header: expected 'Bearer <token>'");
  }
  std::string given = sha256(v);
  if (token_digest_.empty() ||
      CRYPTO_memcmp(given.data(), token_digest_.data(), token_digest_.size()) != 0) {
    std::chrono::seconds lockout = throttle_.recordFailure(client);
    if (lockout.count() == 0) return deny(403, "Invalid API token");
    return deny(403,
                "Invalid API token; too many failed attempts from this address, so it is "
                "locked out for " +
                    std::to_string(lockout.count()) + " s");
  }
  throttle_.recordSuccess(client);
  return nullptr;
}

const AdminZone* AdminApi::findZone(std::string_view name) const {
  for (const auto& z : zones_) {
    if (z.name == name) return &z;
  }
  return nullptr;
}

AdminResponse AdminApi::respond(const AdminRequest& request) {
  static const net::HeaderList kNoHeaders;
  if (auto denied = checkAuth(request.headers ? *request.headers : kNoHeaders, request.client))
    return std::move(*denied);

  std::string_view path = request.target.substr(0, request.target.find('?'));
  auto methodNotAllowed = [&](const char* allowed) {
    AdminResponse r = errorResponse(405, admin_error::kMethodNotAllowed,
                                    "Method " + std::string(request.method) +
                                        " not available for that URI (use " + allowed + ")");
    r.headers.push_back({"allow", allowed});
    return r;
  };

  if (path == kZonesPath || path == std::string(kZonesPath) + "/") {
    if (request.method != "GET") return methodNotAllowed("GET");
    return listZones();
  }
  // /client/v4/zones/{zone}/purge_cache
  std::string zones_prefix = std::string(kZonesPath) + "/";
  if (path.size() > zones_prefix.size() + kPurgeSuffix.size() &&
      path.substr(0, zones_prefix.size()) == zones_prefix &&
      path.substr(path.size() - kPurgeSuffix.size()) == kPurgeSuffix) {
    std::string_view segment =
        path.substr(zones_prefix.size(), path.size() - zones_prefix.size() - kPurgeSuffix.size());
    if (segment.find('/') == std::string_view::npos) {
      if (request.method != "POST") return methodNotAllowed("POST");
      std::string name = percentDecode(segment);
      const AdminZone* zone = findZone(name);
      if (!zone) {
        std::string known;
        for (const auto& z : zones_) known += (known.empty() ? "" : ", ") + z.name;
        return errorResponse(404, admin_error::kUnknownZone,
                             "No zone named " + jsonQuoted(name) + " on this node" +
                                 (known.empty() ? " (it has none)" : " (zones: " + known + ")"));
      }
      if (request.body_too_large) {
        return errorResponse(413, admin_error::kBodyTooLarge,
                             "Request body over " + std::to_string(kMaxAdminBodyBytes) +
                                 " bytes: split the purge into smaller requests");
      }
      return purge(*zone, request.body);
    }
  }
  return errorResponse(404, admin_error::kNoRoute, "No route for that URI: " + std::string(path));
}

AdminResponse AdminApi::listZones() const {
  json result = json::array();
  for (const auto& z : zones_)
    result.push_back({{"id", z.name}, {"name", z.name}, {"hosts", z.hosts}});
  size_t n = zones_.size();
  std::string body = successEnvelope(dumpJson(result));
  // Cloudflare's list responses also carry paging information; there is one page.
  body.pop_back();
  body += R"(,"result_info":{"page":1,"per_page":)" + std::to_string(n) + R"(,"count":)" +
          std::to_string(n) + R"(,"total_count":)" + std::to_string(n) + "}}";
  return jsonResponse(200, std::move(body));
}

AdminResponse AdminApi::purge(const AdminZone& zone, std::string_view body) {
  auto parsed = parsePurgeRequest(zone, body);
  if (auto* error = std::get_if<ApiError>(&parsed)) return errorResponse(*error);
  const PurgeRequest& request = std::get<PurgeRequest>(parsed);
  size_t removed = 0;
  try {
    for (const auto& op : request.ops) {
      switch (op.kind) {
        case PurgeOp::Kind::kUrl:
          removed += store_.purgeUrl(zone.name, op.host, op.value);
          break;
        case PurgeOp::Kind::kPrefix:
          removed += store_.purgePrefix(zone.name, op.host, op.value);
          break;
        case PurgeOp::Kind::kTag:
          removed += store_.purgeTag(zone.name, op.value);
          break;
        case PurgeOp::Kind::kHost:
          removed += store_.purgeHost(zone.name, op.host);
          break;
        case PurgeOp::Kind::kZone:
          removed += store_.purgeZone(zone.name);
          break;
      }
    }
  } catch (const std::exception& e) {
    // The store throws only when the disk fails; what was purged stays purged.
    return errorResponse(500, admin_error::kInternal,
                         std::string("Purge failed on this node: ") + e.what());
  }
  return jsonResponse(200, successEnvelope(dumpJson(json{{"id", zone.name}})),
                      "admin purge " + request.kind + " (" + std::to_string(removed) + " objects)");
}

namespace {

void send(net::Exchange& ex, const AdminResponse& r) {
  if (ex.closed()) return;
  ex.setLogNote(r.log_note);
  ex.writeHead(r.status, r.headers, r.body.size());
  ex.writeBody(r.body, nullptr);
  ex.finish();
}

}  // namespace

void AdminApi::handle(std::shared_ptr<net::Exchange> exchange) {
  const net::RequestHead& head = exchange->head();
  // Refuse before reading a body from someone without the token.
  if (auto denied = checkAuth(head.headers, head.remote_addr)) {
    send(*exchange, *denied);
    return;
  }
  AdminRequest request{head.method, head.target, &head.headers, {}, false, head.remote_addr};
  auto source = exchange->body();
  if (!source) {
    send(*exchange, respond(request));
    return;
  }
  if (head.content_length && *head.content_length > kMaxAdminBodyBytes) {
    request.body_too_large = true;
    send(*exchange, respond(request));
    return;
  }
  readBody(std::move(exchange), std::move(source), std::make_shared<std::string>());
}

// Reads the body chunk by chunk (bounded), then answers. Completions run on
// the exchange's thread and never inline, so this does not recurse.
void AdminApi::readBody(std::shared_ptr<net::Exchange> exchange,
                        std::shared_ptr<net::BodySource> source,
                        std::shared_ptr<std::string> buffer) {
  auto* raw_source = source.get();
  raw_source->read(
      [this, exchange = std::move(exchange), source = std::move(source),
       buffer = std::move(buffer)](std::string_view data, std::string_view error) mutable {
        const net::RequestHead& head = exchange->head();
        AdminRequest request{head.method, head.target, &head.headers, {}, false, head.remote_addr};
        if (!error.empty()) {
          exchange->abort();  // the client went away mid-body
          return;
        }
        if (data.empty()) {
          request.body = *buffer;
          send(*exchange, respond(request));
          return;
        }
        if (buffer->size() + data.size() > kMaxAdminBodyBytes) {
          source->cancel();
          request.body_too_large = true;
          send(*exchange, respond(request));
          return;
        }
        buffer->append(data);
        readBody(std::move(exchange), std::move(source), std::move(buffer));
      });
}

}  // namespace verge::edge
