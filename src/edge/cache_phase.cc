#include "edge/cache_phase.h"

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "net/http_server.h"

namespace verge::edge {

namespace {

void go(std::shared_ptr<net::Exchange> ex, const Zone& zone, cache::HttpCache& cache, std::string body) {
  const net::RequestHead& head = ex->head();
  cache::CacheRequest request;
  request.method = head.method;
  request.zone = zone.name;
  request.host = hostOf(net::findHeader(head.headers, "host").value_or(""));
  request.path = head.target.empty() || head.target[0] != '/' ? "/" + head.target : head.target;
  request.headers = endToEnd(head.headers);
  request.body = std::move(body);
  request.settings = cache::resolveRules(zone.cache_rules, pathOf(request.path));
  auto origin = zoneOrigin(ex->ioContext(), zone, request.path, head.remote_addr);
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

// Reads the whole request body (bounded by the server's body limit), then
// goes on. TODO(perf): stream request bodies to the origin.
void readBodyThenGo(std::shared_ptr<net::Exchange> ex, const Zone& zone, cache::HttpCache& cache,
                    std::shared_ptr<net::BodySource> source, std::shared_ptr<std::string> body) {
  source->read([ex, &zone, &cache, source, body](std::string_view data, std::string_view error) {
    if (!error.empty()) {
      bool too_large = error.find("limit") != std::string_view::npos;
      int status = too_large ? 413 : 400;
      net::sendErrorPage(*ex, status, status, too_large ? "Request body too large" : "Bad request",
                         std::string(error));
      return;
    }
    if (data.empty()) {
      go(ex, zone, cache, std::move(*body));
      return;
    }
    body->append(data);
    readBodyThenGo(ex, zone, cache, source, body);
  });
}

}  // namespace

std::string hostOf(std::string_view host_header) {
  std::string host(host_header);
  if (!host.empty() && host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);  // IPv6 literal
  } else if (size_t colon = host.find(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool splitUrl(std::string_view url, std::string& host, std::string& target) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = url.substr(0, scheme_end);
  if (!net::iequals(scheme, "http") && !net::iequals(scheme, "https")) return false;
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  host = hostOf(authority);
  if (host.empty()) return false;
  target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (target[0] == '?') target.insert(0, "/");
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
  if (!splitUrl(request.url, cr.host, cr.path)) {
    callback("invalid URL", nullptr);
    return;
  }
  cr.method = request.method;
  cr.zone = zone.name;
  cr.headers = endToEnd(request.headers);
  if (!net::findHeader(cr.headers, "host")) {
    std::string authority = request.url.substr(request.url.find("://") + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    cr.headers.push_back({"host", authority});
  }
  cr.body = std::move(request.body);
  cr.settings = cache::resolveRules(zone.cache_rules, pathOf(cr.path));
  applyCfOptions(cf_json, cr.settings);
  auto origin = zoneOrigin(ioc, zone, cr.path, "127.0.0.1");
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
  if (auto source = exchange->body()) {
    readBodyThenGo(exchange, zone, cache, source, std::make_shared<std::string>());
  } else {
    go(std::move(exchange), zone, cache, {});
  }
}

}  // namespace verge::edge
