// Natives behind the Workers Cache API (src/js/cache_api.js) on the node's
// edge cache store. The JS half validates arguments and throws the errors
// Cloudflare's runtime throws (non-GET put, 206, Vary: *); this half decides
// what may be stored, and answers lookups, conditionals and ranges from
// what was stored, with the pure rules in http/.
//
// Keys. Cache API entries live in the node's store beside the zones' cached
// responses, in a key space of their own:
//     url_key = "cache-api" US cache-name US absolute-URL    (US = '\x1f')
// with cache-name "" for caches.default. A URL never contains a raw US (the
// URL parser percent-encodes controls), so the last US splits the key
// unambiguously whatever the name holds. Zone, host and path are recorded in
// the meta as for any object, so a purge of the zone (by URL, prefix, host or
// Cache-Tag) reaches Cache API entries too.
//
// Cloudflare's rules (developers.cloudflare.com/workers/runtime-apis/cache):
//  - put honours Cache-Control (and the CDN-Cache-Control fields), Expires,
//    Cache-Tag, ETag and Last-Modified; with neither Cache-Control freshness
//    nor Expires, the default edge TTL of the status applies (200, 206, 301:
//    2 h; 302, 303: 20 min; 404, 410: 3 min; others are not stored).
//  - a response with Set-Cookie is never stored, unless
//    Cache-Control: private=Set-Cookie, which stores it without that field.
//  - stale-while-revalidate and stale-if-error are not supported: a stale
//    entry is a miss, and match() never contacts an origin.
//  - match answers Range (206 / 416) and If-None-Match / If-Modified-Since
//    (304) from the stored response.
//
// Threads. Natives run on the isolate's thread; the store is thread-safe.
// Disk reads of large bodies happen on the event loop, one chunk per turn.
// TODO(perf): read disk-only bodies on a pool, as for R2.
#include "runtime/cache_natives.h"

#include <openssl/rand.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/http_cache.h"
#include "cache/rules.h"
#include "cache/store.h"
#include "http/cache_control.h"
#include "http/conditional.h"
#include "http/freshness.h"
#include "http/range.h"
#include "http/vary.h"
#include "net/http_types.h"
#include "runtime/isolate_storage.h"
#include "runtime/limited_allocator.h"
#include "runtime/v8_util.h"
#include "runtime/worker_isolate.h"

namespace verge::runtime {

namespace {

using Args = const v8::FunctionCallbackInfo<v8::Value>&;

constexpr char kUnavailable[] = "the Cache API is not available on this node";
// Bodies up to this size that are in memory go to JS as one Uint8Array;
// anything larger, or on disk only, is streamed in kReadChunk pieces, so a
// large object never sits whole in the isolate.
constexpr uint64_t kMaxInlineBody = 1024 * 1024;
constexpr uint64_t kReadChunk = 256 * 1024;

WorkerIsolate* self(Args info) {
  return static_cast<WorkerIsolate*>(info.Data().As<v8::External>()->Value());
}

int64_t nowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

std::string str(Args info, int i) { return toStdString(info.GetIsolate(), info[i]); }

// The store, or a JS Error when the node has none (the return is null then).
cache::Store* storeOf(Args info) {
  cache::Store* store = self(info)->storage().config().cache_store;
  if (!store) throwError(info.GetIsolate(), "Error", kUnavailable);
  return store;
}

// Runs `fn`, turning C++ failures (an unusable disk, a bad allocation) into
// a JS Error that names the operation; nothing escapes into V8.
template <class F>
void guarded(Args info, const char* what, F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    throwError(info.GetIsolate(), "Error",
               std::string("Cache ") + what + ": internal error: " + e.what());
  }
}

std::string urlKey(std::string_view cache_name, std::string_view url) {
  std::string key;
  key.reserve(11 + cache_name.size() + url.size());
  key += "cache-api";
  key += '\x1f';
  key += cache_name;
  key += '\x1f';
  key += url;
  return key;
}

// A JS header-pair array as the policy functions' header list.
http::HeaderList headerList(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  http::HeaderList out;
  for (auto& h : headerPairs(isolate, value)) out.emplace_back(std::move(h.name), std::move(h.value));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- put: what is stored ----

// The targeted fields Cloudflare's cache obeys, in precedence order (RFC
// 9213): they replace Cache-Control and Expires for the cache.
const http::FreshnessOptions& freshnessOptions() {
  static const http::FreshnessOptions options = [] {
    http::FreshnessOptions o;
    o.targeted_fields = {"Cloudflare-CDN-Cache-Control", "CDN-Cache-Control"};
    return o;
  }();
  return options;
}

struct PutPlan {
  bool store = false;
  http::HeaderList headers;  // as stored
  std::vector<std::string> tags;
  int64_t ttl_override = -1;
};

// Whether a response may be stored, and as what. `headers` are the
// response's; the plan's are those to store: no Content-Length, hop-by-hop
// or Connection-named fields, Cache-Tag, cf-cache-status, or the fields a
// qualified `private` names.
PutPlan planPut(int status, const http::HeaderList& headers, int64_t now) {
  PutPlan plan;
  if (status < 200 || status > 599 || status == 206 || status == 304) return plan;
  http::HeaderView view(headers);
  auto effective = http::effectiveCacheControl(view, freshnessOptions());
  const http::CacheControl& cc = effective.cc;
  // no-store: never. no-cache: the Cache API cannot revalidate, so such an
  // entry could never be returned; not storing it is the same to the worker.
  if (cc.no_store || cc.no_cache) return plan;
  // Unqualified private: not for a shared cache. private=Set-Cookie (or any
  // field list) is Cloudflare's way to store the response without them.
  std::vector<std::string> dropped;
  if (cc.private_) {
    if (cc.private_fields.empty()) return plan;
    dropped = cc.private_fields;  // lower-cased by the parser
  }
  auto isDropped = [&](std::string_view name) {
    return std::any_of(dropped.begin(), dropped.end(),
                       [&](const std::string& d) { return net::iequals(d, name); });
  };
  // Connection may name further hop-by-hop fields (RFC 9110 §7.6.1).
  std::vector<std::string> connection_named;
  if (auto conn = view.combined("connection")) {
    for (auto& t : cache::splitCacheTags(*conn)) connection_named.push_back(std::move(t));
  }
  for (const auto& [name, value] : headers) {
    if (net::iequals(name, "content-length") || net::isHopByHopHeader(name) ||
        net::iequals(name, "connection") || net::iequals(name, "cache-tag") ||
        net::iequals(name, "cf-cache-status") || isDropped(name) ||
        std::any_of(connection_named.begin(), connection_named.end(),
                    [&](const std::string& c) { return net::iequals(c, name); })) {
      continue;
    }
    plan.headers.emplace_back(name, value);
  }
  // "Responses with Set-Cookie headers are never cached" (unless private=
  // Set-Cookie removed the field above).
  http::HeaderView stored_view(plan.headers);
  if (stored_view.has("set-cookie")) return plan;
  // A Vary member we cannot read makes the response unmatchable: not stored.
  auto vary = http::varyFieldNames(stored_view);
  if (vary.size() == 1 && vary[0] == "*") return plan;

  http::StoredResponse stored{status, stored_view, now, now};
  auto lifetime = http::freshnessLifetime(stored, freshnessOptions());
  bool explicit_freshness = lifetime.source == http::FreshnessSource::kSMaxAge ||
                            lifetime.source == http::FreshnessSource::kMaxAge ||
                            lifetime.source == http::FreshnessSource::kExpires;
  if (explicit_freshness) {
    // max-age=0 or an Expires in the past: stale at once, a miss forever.
    if (lifetime.seconds <= http::currentAge(stored, now)) return plan;
  } else {
    auto ttl = cache::defaultEdgeTtl(status);
    if (!ttl) return plan;
    plan.ttl_override = *ttl;
  }
  if (auto tags = view.combined("cache-tag")) plan.tags = cache::splitCacheTags(*tags);
  plan.store = true;
  return plan;
}

// cacheAvailable() → whether the node has a cache store.
void cacheAvailable(Args info) {
  info.GetReturnValue().Set(self(info)->storage().config().cache_store != nullptr);
}

// cachePut(cacheName, url, host, path, requestHeaderPairs, status,
//          responseHeaderPairs, chunks: Uint8Array[]) → stored: boolean
// The JS half has already rejected what Cloudflare rejects and read the body.
void cachePut(Args info) {
  v8::Isolate* isolate = info.GetIsolate();
  cache::Store* store = storeOf(info);
  if (!store) return;
  guarded(info, "put", [&] {
    WorkerIsolate* w = self(info);
    auto context = isolate->GetCurrentContext();
    int64_t now = nowSeconds();
    int status = info[5]->Int32Value(context).FromMaybe(0);
    PutPlan plan = planPut(status, headerList(isolate, info[6]), now);
    if (!plan.store) {
      info.GetReturnValue().Set(false);
      return;
    }
    std::string body;
    if (info[7]->IsArray()) {
      auto chunks = info[7].As<v8::Array>();
      size_t total = 0;
      for (uint32_t i = 0; i < chunks->Length(); ++i) {
        v8::Local<v8::Value> c;
        if (chunks->Get(context, i).ToLocal(&c)) total += bytesOf(c).size();
      }
      body.reserve(total);
      for (uint32_t i = 0; i < chunks->Length(); ++i) {
        v8::Local<v8::Value> c;
        if (chunks->Get(context, i).ToLocal(&c)) body += bytesOf(c);
      }
    }
    cache::ObjectMeta meta;
    meta.url_key = urlKey(str(info, 0), str(info, 1));
    meta.host = lower(str(info, 2));
    meta.path = str(info, 3);
    const auto& zone_of_host = w->storage().config().zone_of_host;
    meta.zone = zone_of_host ? zone_of_host(meta.host) : std::string();
    auto vary = http::varyFieldNames(http::HeaderView(plan.headers));
    if (!vary.empty())
      meta.variant = http::secondaryKey(vary, http::HeaderView(headerList(isolate, info[4])));
    meta.tags = std::move(plan.tags);
    meta.status = status;
    meta.headers = std::move(plan.headers);
    meta.request_time = now;
    meta.response_time = now;
    meta.ttl_override = plan.ttl_override;
    store->insert(std::move(meta), std::move(body));
    info.GetReturnValue().Set(true);
  });
}

// ---- match: answering from what is stored ----

// A piece of a response body: literal bytes, or [first, end) of the object.
struct Piece {
  std::string literal;
  bool is_literal = false;
  uint64_t first = 0;
  uint64_t end = 0;
};

// Streams the pieces of a stored object's body to JS, one chunk per
// event-loop turn, from memory or the store's disk tier. Holds the object,
// so the body stays readable even if it is purged meanwhile.
class StoredBodySource : public net::BodySource,
                         public std::enable_shared_from_this<StoredBodySource> {
 public:
  StoredBodySource(boost::asio::io_context& ioc, std::shared_ptr<const cache::Object> object,
                   std::vector<Piece> pieces)
      : ioc_(ioc), object_(std::move(object)), pieces_(std::move(pieces)) {
    if (!pieces_.empty()) pos_ = pieces_[0].first;
  }

  void read(net::BodyReadCallback cb) override {
    boost::asio::post(ioc_, [self = shared_from_this(), cb = std::move(cb)] { self->readNow(cb); });
  }

  void cancel() override { object_.reset(); }

 private:
  void readNow(const net::BodyReadCallback& cb) {
    if (!object_) {
      cb({}, "the cached body was cancelled");
      return;
    }
    // Skip finished ranges and empty literals (an empty chunk means "end").
    while (index_ < pieces_.size() && (pieces_[index_].is_literal ? pieces_[index_].literal.empty()
                                                                  : pos_ >= pieces_[index_].end)) {
      next();
    }
    if (index_ >= pieces_.size()) {
      object_.reset();
      cb({}, {});
      return;
    }
    Piece& piece = pieces_[index_];
    if (piece.is_literal) {
      std::string data = std::move(piece.literal);
      next();
      cb(data, {});
      return;
    }
    chunk_.clear();
    uint64_t want = std::min(kReadChunk, piece.end - pos_);
    if (!object_->read(pos_, want, chunk_) || chunk_.empty()) {
      object_.reset();
      cb({}, "reading the cached body failed");
      return;
    }
    pos_ += chunk_.size();
    cb(chunk_, {});
  }

  void next() {
    ++index_;
    if (index_ < pieces_.size() && !pieces_[index_].is_literal) pos_ = pieces_[index_].first;
  }

  boost::asio::io_context& ioc_;
  std::shared_ptr<const cache::Object> object_;
  std::vector<Piece> pieces_;
  size_t index_ = 0;
  uint64_t pos_ = 0;
  std::string chunk_;  // reused between reads
};

std::string randomBoundary() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // Not secret, only unlikely to occur in the body: the clock will do.
    uint64_t t = static_cast<uint64_t>(std::time(nullptr));
    std::memcpy(bytes, &t, sizeof t);
    std::memcpy(bytes + 8, &t, sizeof t);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool nullBodyStatus(int status) {
  return status == 101 || status == 204 || status == 205 || status == 304;
}

// cacheMatch(cacheName, url, requestHeaderPairs)
//   → null | [status, statusText, headerPairs, bytes | null, sourceId]
// bytes when the body is small and in memory; else a body source (0 = none).
void cacheMatch(Args info) {
  v8::Isolate* isolate = info.GetIsolate();
  cache::Store* store = storeOf(info);
  if (!store) return;
  guarded(info, "match", [&] {
    WorkerIsolate* w = self(info);
    http::HeaderList request = headerList(isolate, info[2]);
    http::HeaderView request_view(request);
    auto object = cache::selectVariant(*store, urlKey(str(info, 0), str(info, 1)), request);
    if (!object) {
      info.GetReturnValue().SetNull();
      return;
    }
    const cache::ObjectMeta& meta = object->meta();
    http::HeaderView stored_view(meta.headers);
    // Fresh or nothing: the Cache API neither revalidates nor serves stale.
    int64_t now = nowSeconds();
    http::StoredResponse stored{meta.status, stored_view, meta.request_time, meta.response_time};
    int64_t lifetime = meta.ttl_override >= 0
                           ? meta.ttl_override
                           : http::freshnessLifetime(stored, freshnessOptions()).seconds;
    int64_t age = http::currentAge(stored, now);
    if (lifetime <= age) {
      info.GetReturnValue().SetNull();
      return;
    }
    const uint64_t size = object->bodySize();
    int status = meta.status;
    net::HeaderList headers;
    headers.reserve(meta.headers.size() + 4);
    for (const auto& [name, value] : meta.headers) {
      if (!net::iequals(name, "age")) headers.push_back({name, value});
    }
    auto finish = [&](net::HeaderList& out, std::optional<uint64_t> length) {
      if (length) out.push_back({"content-length", std::to_string(*length)});
      out.push_back({"age", std::to_string(age)});
      out.push_back({"cf-cache-status", "HIT"});
    };
    auto reply = [&](int out_status, net::HeaderList& out, v8::Local<v8::Value> bytes,
                     uint32_t source) {
      v8::Local<v8::Value> parts[] = {
          v8::Integer::New(isolate, out_status), byteString(isolate, net::reasonPhrase(out_status)),
          headerArray(isolate, out), bytes, v8::Integer::NewFromUnsigned(isolate, source)};
      info.GetReturnValue().Set(v8::Array::New(isolate, parts, 5));
    };

    // Conditionals first (RFC 9110 §13.2.2): 304 / 412 without a body.
    if (status >= 200 && status < 300) {
      auto cond = http::evaluateConditionals("GET", request_view, status, stored_view);
      if (cond == http::ConditionalResult::kNotModified) {
        net::HeaderList out;
        for (auto& [n, v] : http::notModifiedHeaders(stored_view)) out.push_back({n, v});
        finish(out, std::nullopt);
        reply(304, out, v8::Null(isolate), 0);
        return;
      }
      if (cond == http::ConditionalResult::kPreconditionFailed) {
        net::HeaderList out;
        finish(out, 0);
        reply(412, out, v8::Null(isolate), 0);
        return;
      }
    }

    // Then Range, from a stored complete 200 (If-Range permitting).
    std::vector<Piece> pieces;
    uint64_t length = size;
    auto range = request_view.first("range");
    auto if_range = request_view.first("if-range");
    if (range && status == 200 && (!if_range || http::ifRangeMatches(*if_range, stored_view))) {
      auto result = http::evaluateRange(*range, size);
      if (result.outcome == http::RangeOutcome::kUnsatisfiable) {
        std::erase_if(
            headers, [](const net::HeaderPair& h) { return net::iequals(h.name, "content-type"); });
        headers.push_back({"content-range", http::unsatisfiedContentRange(size)});
        finish(headers, 0);
        reply(416, headers, v8::Null(isolate), 0);
        return;
      }
      if (result.outcome == http::RangeOutcome::kSatisfiable) {
        status = 206;
        if (result.ranges.size() == 1) {
          const auto& r = result.ranges[0];
          headers.push_back({"content-range", http::contentRange(r, size)});
          pieces.push_back(Piece{{}, false, r.first, r.last + 1});
          length = r.size();
        } else {
          std::string type(stored_view.first("content-type").value_or(""));
          auto layout = http::multipartLayout(result.ranges, type, size, randomBoundary());
          std::erase_if(headers, [](const net::HeaderPair& h) {
            return net::iequals(h.name, "content-type");
          });
          headers.push_back({"content-type", layout.content_type});
          for (size_t i = 0; i < result.ranges.size(); ++i) {
            pieces.push_back(Piece{layout.part_headers[i], true, 0, 0});
            pieces.push_back(Piece{{}, false, result.ranges[i].first, result.ranges[i].last + 1});
          }
          pieces.push_back(Piece{layout.trailer, true, 0, 0});
          length = layout.total_length;
        }
      }
    }
    if (pieces.empty()) pieces.push_back(Piece{{}, false, 0, size});

    if (nullBodyStatus(status)) {
      finish(headers, std::nullopt);
      reply(status, headers, v8::Null(isolate), 0);
      return;
    }
    finish(headers, length);
    const std::string* memory = object->memoryBody();
    if (memory && length <= kMaxInlineBody) {
      // Small and in memory: one copy into a Uint8Array (the stored bytes
      // themselves must never be handed to JS, which could write to them).
      std::string out;
      out.reserve(length);
      for (const auto& p : pieces) {
        if (p.is_literal)
          out += p.literal;
        else if (p.first < memory->size())
          out.append(*memory, p.first, std::min<uint64_t>(p.end, memory->size()) - p.first);
      }
      v8::Local<v8::Uint8Array> bytes;
      if (!newBytes(isolate, out).ToLocal(&bytes)) return;  // over the memory limit
      reply(status, headers, bytes, 0);
      return;
    }
    // Large, or on disk only: stream it.
    uint32_t sid = w->addSource(
        std::make_shared<StoredBodySource>(w->home().context(), std::move(object), std::move(pieces)));
    reply(status, headers, v8::Null(isolate), sid);
  });
}

// cacheDelete(cacheName, url) → whether something was removed.
void cacheDelete(Args info) {
  cache::Store* store = storeOf(info);
  if (!store) return;
  guarded(info, "delete", [&] {
    size_t removed = store->remove(urlKey(str(info, 0), str(info, 1)));
    info.GetReturnValue().Set(removed > 0);
  });
}

}  // namespace

void installCacheNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         v8::Local<v8::Object> native, v8::Local<v8::Value> data) {
  struct Entry {
    const char* name;
    v8::FunctionCallback fn;
  };
  static constexpr Entry kNatives[] = {
      {"cacheAvailable", cacheAvailable},
      {"cachePut", cachePut},
      {"cacheMatch", cacheMatch},
      {"cacheDelete", cacheDelete},
  };
  for (const auto& e : kNatives) {
    auto fn = v8::Function::New(context, e.fn, data).ToLocalChecked();
    native->Set(context, v8str(isolate, e.name), fn).Check();
  }
}

}  // namespace verge::runtime
