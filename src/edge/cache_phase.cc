#include "edge/cache_phase.h"

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "edge/host.h"
#include "edge/websocket_proxy.h"
#include "net/http_server.h"
#include "net/websocket_handshake.h"

namespace verge::edge {

namespace {

bool isGetOrHead(std::string_view method) { return method == "GET" || method == "HEAD"; }

// `headers` with every Host replaced by `authority` (the normalised one the
// cache keys by and the origin gets), so that a Vary on Host sees it too.
void setHost(net::HeaderList& headers, std::string_view authority) {
  std::erase_if(headers, [](const net::HeaderPair& h) { return net::iequals(h.name, "host"); });
  if (!authority.empty()) headers.insert(headers.begin(), {"host", std::string(authority)});
}

// The normalised authority and origin-form target of an absolute http(s)
// URL (the scheme's default port dropped); false when it is not one.
bool splitAbsoluteUrl(std::string_view url, std::string& authority, std::string& target) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = url.substr(0, scheme_end);
  uint16_t default_port;
  if (net::iequals(scheme, "http")) default_port = 80;
  else if (net::iequals(scheme, "https")) default_port = 443;
  else return false;
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  size_t path_start = rest.find_first_of("/?");
  std::string_view raw = rest.substr(0, path_start);
  if (size_t at = raw.rfind('@'); at != std::string_view::npos) raw.remove_prefix(at + 1);
  auto normalized = normalizeAuthority(raw, default_port);
  if (!normalized || normalized->empty()) return false;
  authority = std::move(*normalized);
  target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (target[0] == '?') target.insert(0, "/");
  return true;
}

void go(std::shared_ptr<net::Exchange> ex, const Zone& zone, cache::HttpCache& cache, std::string authority,
        std::string body) {
  const net::RequestHead& head = ex->head();
  const bool safe = isGetOrHead(head.method);
  cache::CacheRequest request;
  request.method = head.method;
  request.zone = zone.name;
  request.host = std::string(hostOfAuthority(authority));
  std::string target = head.target.empty() || head.target[0] != '/' ? "/" + head.target : head.target;
  request.settings = cache::resolveRules(zone.cache_rules, pathOf(target));
  // The origin gets exactly the path and query the cache key holds (the
  // query dropped or sorted by the zone's cache key rules), so nothing in
  // the URL can change its answer without changing the key.
  request.path = safe ? cache::keyedPath(target, request.settings.cache_key) : target;
  request.headers = endToEnd(head.headers);
  setHost(request.headers, authority);
  request.body = std::move(body);
  auto origin = zoneOrigin(ex->ioContext(), zone, request.path, authority, head.remote_addr);
  request.authority = std::move(authority);
  ex->setLogNote("zone " + zone.name);
  cache.fetch(ex->ioContext(), std::move(request), std::move(origin),
              [ex, &zone](std::string_view error, std::shared_ptr<cache::CacheResponse> response) {
                if (ex->closed()) {
                  if (response && response->body) response->body->cancel();
                  return;
                }
                if (!error.empty() || !response) {
                  sendOriginError(*ex, zone, error);
                  return;
                }
                ex->setLogNote("zone " + zone.name + " " + response->cache_status);
                sendResponse(ex, std::move(response));
              });
}

// A GET or HEAD with a body ("fat GET"): the body is not part of the cache
// key, so an origin that reads parameters from it would let one client
// choose what everyone gets. Refused rather than dropped, so that a client
// that meant it learns at once (as CloudFront does; Cloudflare forwards it).
void refuseFatGet(net::Exchange& ex, const Zone& zone) {
  ex.setLogNote("zone " + zone.name + " fat-get");
  net::sendErrorPage(ex, 400, 400, "Bad request",
                     "A " + ex.head().method + " request must not have a body: it would not be part of the cache key.");
}

// Reads the whole request body (bounded by the server's body limit), then
// goes on. TODO(perf): stream request bodies to the origin.
void readBodyThenGo(std::shared_ptr<net::Exchange> ex, const Zone& zone, cache::HttpCache& cache,
                    std::shared_ptr<net::BodySource> source, std::shared_ptr<std::string> authority,
                    std::shared_ptr<std::string> body) {
  source->read([ex, &zone, &cache, source, authority, body](std::string_view data, std::string_view error) {
    if (!error.empty()) {
      bool too_large = error.find("limit") != std::string_view::npos;
      int status = too_large ? 413 : 400;
      net::sendErrorPage(*ex, status, status, too_large ? "Request body too large" : "Bad request",
                         std::string(error));
      return;
    }
    if (data.empty()) {
      go(ex, zone, cache, std::move(*authority), std::move(*body));
      return;
    }
    if (isGetOrHead(ex->head().method)) {
      // A chunked GET that turned out to carry bytes.
      source->cancel();
      refuseFatGet(*ex, zone);
      return;
    }
    body->append(data);
    readBodyThenGo(ex, zone, cache, source, authority, body);
  });
}

}  // namespace

std::string hostOf(std::string_view host_header) {
  auto normalized = normalizeAuthority(host_header);
  return normalized ? std::string(hostOfAuthority(*normalized)) : std::string();
}

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool splitUrl(std::string_view url, std::string& host, std::string& target) {
  std::string authority;
  if (!splitAbsoluteUrl(url, authority, target)) return false;
  host = std::string(hostOfAuthority(authority));
  return true;
}

namespace {

// Reads a worker's `cf` cache options into `settings` (Cloudflare's
// semantics: a cacheTtl or cacheTtlByStatus also means "cache everything").
void applyCfOptions(std::string_view cf_json, cache::CacheSettings& settings) {
  if (cf_json.empty()) return;
  nlohmann::json cf = nlohmann::json::parse(cf_json, nullptr, false);
  if (!cf.is_object()) return;
  if (auto it = cf.find("cacheEverything"); it != cf.end() && it->is_boolean() && it->get<bool>()) {
    settings.mode = cache::CacheMode::kEverything;
  }
  if (auto it = cf.find("cacheTtl"); it != cf.end() && it->is_number()) {
    settings.edge_ttl = static_cast<int64_t>(it->get<double>());
    settings.mode = cache::CacheMode::kEverything;
  }
  if (auto it = cf.find("cacheTtlByStatus"); it != cf.end() && it->is_object()) {
    settings.edge_ttl_by_status.clear();
    for (auto& [range, ttl] : it->items()) {
      cache::StatusTtl entry;
      if (!ttl.is_number() || !cache::parseStatusRange(range, entry.from, entry.to)) continue;
      entry.ttl = static_cast<int64_t>(ttl.get<double>());
      settings.edge_ttl_by_status.push_back(entry);
    }
    settings.mode = cache::CacheMode::kEverything;
  }
  if (auto it = cf.find("cacheKey"); it != cf.end() && it->is_string()) settings.custom_key = it->get<std::string>();
  if (auto it = cf.find("cacheTags"); it != cf.end() && it->is_array()) {
    for (auto& tag : *it) {
      if (tag.is_string()) settings.tags.push_back(tag.get<std::string>());
    }
  }
}

}  // namespace

void fetchThroughZone(boost::asio::io_context& ioc, const Zone& zone, cache::HttpCache& cache,
                      net::ClientRequest request, std::string_view cf_json, net::FetchCallback callback) {
  cache::CacheRequest cr;
  std::string authority, target;
  if (!splitAbsoluteUrl(request.url, authority, target)) {
    callback("invalid request: invalid URL", nullptr);
    return;
  }
  const bool safe = isGetOrHead(request.method);
  if (safe && !request.body.empty()) {
    // fetch() never makes one (a Request with a body cannot be a GET); the
    // zone would not forward it anyway (see refuseFatGet).
    callback("invalid request: a GET or HEAD request cannot have a body", nullptr);
    return;
  }
  cr.method = request.method;
  cr.zone = zone.name;
  cr.host = std::string(hostOfAuthority(authority));
  cr.headers = endToEnd(request.headers);
  // The URL names the host, whatever Host header the worker copied.
  setHost(cr.headers, authority);
  cr.body = std::move(request.body);
  cr.settings = cache::resolveRules(zone.cache_rules, pathOf(target));
  applyCfOptions(cf_json, cr.settings);
  cr.path = safe ? cache::keyedPath(target, cr.settings.cache_key) : target;
  auto origin = zoneOrigin(ioc, zone, cr.path, authority, "127.0.0.1");
  cr.authority = std::move(authority);
  cache.fetch(ioc, std::move(cr), std::move(origin),
              [&ioc, callback = std::move(callback)](std::string_view error,
                                                     std::shared_ptr<cache::CacheResponse> r) {
                if (!error.empty() || !r) {
                  callback(error.empty() ? "no response" : error, nullptr);
                  return;
                }
                auto out = std::make_shared<net::ClientResponse>();
                out->status = r->status;
                out->reason = std::string(net::reasonPhrase(r->status));
                out->headers = std::move(r->headers);
                if (r->length) out->headers.push_back({"content-length", std::to_string(*r->length)});
                out->body = r->bodySource(ioc);
                callback({}, std::move(out));
              });
}

void serveZone(std::shared_ptr<net::Exchange> exchange, const Zone& zone, cache::HttpCache& cache) {
  const net::RequestHead& head = exchange->head();
  // One normal form of the host for the cache key and the origin's Host
  // (edge/host.h); a Host that has none is refused.
  auto authority = normalizeAuthority(net::findHeader(head.headers, "host").value_or(""));
  if (!authority) {
    exchange->setLogNote("zone " + zone.name + " bad-host");
    net::sendErrorPage(*exchange, 400, 400, "Bad request", "The Host header is not a valid host name and port.");
    return;
  }
  if (net::isWebSocketUpgrade(head.headers)) {
    // Not cacheable: a tunnel to the origin, as a CDN proxies WebSockets.
    proxyWebSocket(std::move(exchange), zone, std::move(*authority));
    return;
  }
  if (auto source = exchange->body()) {
    if (isGetOrHead(head.method) && head.content_length.value_or(0) > 0) return refuseFatGet(*exchange, zone);
    readBodyThenGo(exchange, zone, cache, source, std::make_shared<std::string>(std::move(*authority)),
                   std::make_shared<std::string>());
  } else {
    go(std::move(exchange), zone, cache, std::move(*authority), {});
  }
}

}  // namespace verge::edge
