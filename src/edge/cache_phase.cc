#include "edge/cache_phase.h"

#include <ctime>

#include "cache/memory_cache.h"
#include "http/freshness.h"
#include "net/http_server.h"

namespace verge::edge {

namespace {

constexpr size_t kMaxObjectBytes = 8u << 20;  // larger responses pass through unstored

http::HeaderList toPolicyHeaders(const net::HeaderList& headers) {
  http::HeaderList out;
  out.reserve(headers.size());
  for (const auto& h : headers) out.emplace_back(h.name, h.value);
  return out;
}

// Fields for this cache only: they steer the edge and do not go to clients
// (RFC 9213 §2: CDN-Cache-Control is for the CDN; Surrogate-Control likewise).
bool edgeOnlyHeader(std::string_view name) {
  return net::iequals(name, "cdn-cache-control") || net::iequals(name, "surrogate-control");
}

void stripEdgeOnly(net::HeaderList& headers) {
  std::erase_if(headers, [](const net::HeaderPair& h) { return edgeOnlyHeader(h.name); });
}

std::string cacheKey(const Zone& zone, const net::RequestHead& head) {
  std::string host(net::findHeader(head.headers, "host").value_or(""));
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return zone.name + " " + host + " " + head.target;
}

void serveStored(net::Exchange& ex, const cache::CachedResponse& stored, int64_t age,
                 std::string_view status_label) {
  net::HeaderList headers;
  headers.reserve(stored.headers.size() + 2);
  for (const auto& [name, value] : stored.headers) {
    if (edgeOnlyHeader(name) || net::iequals(name, "age")) continue;
    headers.push_back({name, value});
  }
  headers.push_back({"age", std::to_string(age)});
  headers.push_back({"cf-cache-status", std::string(status_label)});
  ex.writeHead(stored.status, headers, stored.body.size());
  ex.writeBody(stored.body, nullptr);
  ex.finish();
}

// Labels the origin's response, and stores it when the rules allow.
class StoreTap : public OriginTap {
 public:
  StoreTap(cache::MemoryCache& cache, std::string key, std::string method,
           http::HeaderList request_headers, std::string label)
      : cache_(cache),
        key_(std::move(key)),
        method_(std::move(method)),
        request_headers_(std::move(request_headers)),
        label_(std::move(label)) {}

  bool onHead(int status, net::HeaderList& headers, std::optional<uint64_t> length,
              int64_t request_time, int64_t response_time) override {
    length_ = length;
    http::HeaderList policy_headers = toPolicyHeaders(headers);
    auto decision = http::checkStorable(method_, status, http::HeaderView(request_headers_),
                                        http::HeaderView(policy_headers));
    bool vary = net::findHeader(headers, "vary").has_value();
    // Storable but with no freshness at all (no max-age, Expires or usable
    // Last-Modified) is not worth keeping: it could never be served without
    // revalidation. Caching those by default is a zone rule (off by default).
    if (decision == http::StoreDecision::kStore) {
      http::StoredResponse view{status, http::HeaderView(policy_headers), request_time, response_time};
      if (http::freshnessLifetime(view).source == http::FreshnessSource::kNone) {
        decision = http::StoreDecision::kNoFreshnessInformation;
      }
    }
    // A response that sets a cookie is one user's: storing it would hand
    // that cookie to everyone (CDNs bypass these by default).
    bool sets_cookie = net::findHeader(headers, "set-cookie").has_value();
    bool store = decision == http::StoreDecision::kStore && method_ == "GET" && !vary && !sets_cookie;
    std::string label;
    if (sets_cookie && decision == http::StoreDecision::kStore) {
      label = "BYPASS";
    } else if (store) {
      label = label_;
    } else if (decision == http::StoreDecision::kResponseNoStore ||
               decision == http::StoreDecision::kRequestNoStore ||
               decision == http::StoreDecision::kPrivate ||
               decision == http::StoreDecision::kAuthorization) {
      label = "BYPASS";
    } else if (decision == http::StoreDecision::kStore && method_ == "HEAD") {
      label = label_;  // eligible, just nothing to store from a HEAD
    } else {
      label = "DYNAMIC";
    }
    if (store) {
      entry_ = std::make_shared<cache::CachedResponse>();
      entry_->status = status;
      entry_->headers = std::move(policy_headers);
      entry_->request_time = request_time;
      entry_->response_time = response_time;
    }
    stripEdgeOnly(headers);
    headers.push_back({"cf-cache-status", label});
    return store;
  }

  void onBody(std::string_view chunk) override {
    if (!entry_) return;
    if (entry_->body.size() + chunk.size() > kMaxObjectBytes) {
      entry_.reset();  // too large to keep: the client still gets it all
      return;
    }
    entry_->body.append(chunk);
    // With a known length, store as soon as the last byte is here, before
    // it goes to the client: the client's next request must find it.
    if (length_ && entry_->body.size() == *length_) cache_.put(key_, std::move(entry_));
  }

  void onComplete() override {
    if (entry_ && (!length_ || entry_->body.size() == *length_)) cache_.put(key_, std::move(entry_));
  }

 private:
  cache::MemoryCache& cache_;
  std::string key_;
  std::string method_;
  http::HeaderList request_headers_;
  std::string label_;
  std::shared_ptr<cache::CachedResponse> entry_;
  std::optional<uint64_t> length_;
};

// Unsafe methods pass through; a success invalidates the stored target URI
// (RFC 9111 §4.4).
class InvalidateTap : public OriginTap {
 public:
  InvalidateTap(cache::MemoryCache& cache, std::string key) : cache_(cache), key_(std::move(key)) {}
  bool onHead(int status, net::HeaderList& headers, std::optional<uint64_t>, int64_t,
              int64_t) override {
    if (status >= 200 && status < 400) cache_.remove(key_);
    stripEdgeOnly(headers);
    headers.push_back({"cf-cache-status", "DYNAMIC"});
    return false;
  }
  void onBody(std::string_view) override {}
  void onComplete() override {}

 private:
  cache::MemoryCache& cache_;
  std::string key_;
};

}  // namespace

void serveZone(std::shared_ptr<net::Exchange> exchange, const Zone& zone, cache::MemoryCache& cache) {
  const net::RequestHead& head = exchange->head();
  std::string key = cacheKey(zone, head);
  if (head.method != "GET" && head.method != "HEAD") {
    proxyToOrigin(std::move(exchange), zone, std::make_shared<InvalidateTap>(cache, std::move(key)));
    return;
  }
  if (net::findHeader(head.headers, "range")) {
    // TODO: answer ranges from a stored complete response.
    proxyToOrigin(std::move(exchange), zone);
    return;
  }
  http::HeaderList request_headers = toPolicyHeaders(head.headers);
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string label = "MISS";
  if (auto stored = cache.get(key)) {
    http::StoredResponse view{stored->status, http::HeaderView(stored->headers), stored->request_time,
                              stored->response_time};
    auto decision = http::evaluateLookup(http::HeaderView(request_headers), view, now);
    switch (decision.result) {
      case http::LookupResult::kFresh:
        serveStored(*exchange, *stored, decision.age, "HIT");
        return;
      case http::LookupResult::kStaleServable:
        serveStored(*exchange, *stored, decision.age, "STALE");
        return;
      case http::LookupResult::kGatewayTimeout:
        break;  // below
      default:
        label = "EXPIRED";  // TODO: revalidate with If-None-Match / If-Modified-Since
    }
    if (decision.result == http::LookupResult::kGatewayTimeout) {
      exchange->writeHead(504, {{"cf-cache-status", "MISS"}}, 0);
      exchange->finish();
      return;
    }
  } else if (auto cc = net::findHeader(head.headers, "cache-control");
             cc && http::parseCacheControl(*cc).only_if_cached) {
    // only-if-cached and nothing stored: 504 (RFC 9111 §5.2.1.7).
    exchange->writeHead(504, {{"cf-cache-status", "MISS"}}, 0);
    exchange->finish();
    return;
  }
  proxyToOrigin(exchange, zone,
                std::make_shared<StoreTap>(cache, std::move(key), head.method,
                                           std::move(request_headers), std::move(label)));
}

}  // namespace verge::edge
