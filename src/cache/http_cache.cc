#include "cache/http_cache.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <ctime>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>

#include "cache/accept_encoding.h"
#include "cache/store.h"
#include "http/conditional.h"
#include "http/freshness.h"
#include "http/range.h"
#include "http/vary.h"

namespace verge::cache {

namespace asio = boost::asio;

namespace {

constexpr uint64_t kReadChunk = 64 * 1024;
// How far a fill that is not storing may run ahead of its slowest reader.
constexpr uint64_t kPassWindow = 1 << 20;
constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

int64_t nowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

// The targeted fields this cache obeys, in precedence order (RFC 9213).
const http::FreshnessOptions& freshnessOptions() {
  static const http::FreshnessOptions options = [] {
    http::FreshnessOptions o;
    o.targeted_fields = {"CDN-Cache-Control", "Surrogate-Control"};
    return o;
  }();
  return options;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

http::HeaderList toPolicy(const net::HeaderList& headers) {
  http::HeaderList out;
  out.reserve(headers.size());
  for (const auto& h : headers) out.emplace_back(h.name, h.value);
  return out;
}

// Fields that steer this cache and are not for clients: the targeted cache
// fields (RFC 9213 §2) and Cloudflare's Cache-Tag.
bool edgeOnly(std::string_view name) {
  return net::iequals(name, "cdn-cache-control") || net::iequals(name, "surrogate-control") ||
         net::iequals(name, "cache-tag");
}

bool isConditionalOrRange(std::string_view name) {
  return net::iequals(name, "range") || net::iequals(name, "if-range") ||
         net::iequals(name, "if-none-match") || net::iequals(name, "if-modified-since") ||
         net::iequals(name, "if-match") || net::iequals(name, "if-unmodified-since");
}

std::optional<std::string_view> cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = trim(header.substr(0, semi));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) return trim(pair.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

// Replaces the request's Accept-Encoding lines with their normal form (see
// cache/accept_encoding.h): the Vary secondary key and the origin both see
// that one value.
void normalizeAcceptEncodingHeader(net::HeaderList& headers) {
  std::string combined;
  bool present = false;
  std::erase_if(headers, [&](const net::HeaderPair& h) {
    if (!net::iequals(h.name, "accept-encoding")) return false;
    if (present) combined += ", ";
    combined += h.value;
    present = true;
    return true;
  });
  if (!present) return;
  std::string normal = normalizeAcceptEncoding(combined);
  if (!normal.empty()) headers.push_back({"accept-encoding", std::move(normal)});
}

// The request's Cache-Control, with Pragma: no-cache counted as no-cache when
// there is no Cache-Control (RFC 9111 §5.4).
http::CacheControl requestCacheControl(const http::HeaderList& request) {
  http::HeaderView view(request);
  if (auto cc = view.combined("cache-control")) return http::parseCacheControl(*cc);
  http::CacheControl cc;
  if (auto pragma = view.combined("pragma")) {
    std::string p = lower(*pragma);
    if (p.find("no-cache") != std::string::npos) cc.no_cache = true;
  }
  return cc;
}

// Headers of a response served from a stored object.
net::HeaderList storedHeaders(const http::HeaderList& stored, int64_t age) {
  net::HeaderList out;
  out.reserve(stored.size() + 2);
  for (const auto& [name, value] : stored) {
    if (edgeOnly(name) || net::iequals(name, "age")) continue;
    out.push_back({name, value});
  }
  out.push_back({"age", std::to_string(age)});
  return out;
}

// The device token verge announces in Surrogate-Capability (Edge
// Architecture Specification 1.0); Surrogate-Control directives targeted
// with ";verge" are ours, those targeted at other devices are not.
constexpr std::string_view kSurrogateToken = "verge";

// Keeps the Surrogate-Control directives meant for this cache: untargeted
// ones, and ";verge" ones without their target.
void selectSurrogateDirectives(http::HeaderList& headers) {
  for (auto& [name, value] : headers) {
    if (!net::iequals(name, "surrogate-control") || value.find(';') == std::string::npos) continue;
    std::string kept;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view directive = trim(rest.substr(0, comma));
      size_t semi = directive.find(';');
      bool ours = semi == std::string_view::npos || trim(directive.substr(semi + 1)) == kSurrogateToken;
      if (ours && !directive.empty()) {
        if (!kept.empty()) kept += ", ";
        kept += trim(directive.substr(0, semi));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    value = std::move(kept);
  }
}

// Replaces the response's freshness for this cache with `ttl` seconds,
// keeping what the origin granted for serving stale. Written as a
// CDN-Cache-Control line, which takes precedence over Cache-Control and
// Expires for this cache and never reaches clients.
void setEdgeTtl(http::HeaderList& headers, int64_t ttl) {
  auto effective = http::effectiveCacheControl(http::HeaderView(headers), freshnessOptions());
  std::string value = "max-age=" + std::to_string(ttl);
  if (effective.cc.stale_while_revalidate) {
    value += ", stale-while-revalidate=" + std::to_string(*effective.cc.stale_while_revalidate);
  }
  if (effective.cc.stale_if_error) value += ", stale-if-error=" + std::to_string(*effective.cc.stale_if_error);
  std::erase_if(headers, [](const http::Header& h) {
    return net::iequals(h.first, "cdn-cache-control") || net::iequals(h.first, "surrogate-control");
  });
  headers.emplace_back("CDN-Cache-Control", std::move(value));
}

struct StorePlan {
  bool store = false;
  std::string label;
  http::HeaderList headers;  // to store
  std::vector<std::string> tags;
  int64_t ttl_override = -1;
  std::vector<std::string> vary;
};

// Whether and how to store a response to a GET, and how to label it.
StorePlan planStore(const CacheRequest& request, const http::HeaderList& request_policy, int status,
                    const net::HeaderList& response_headers, int64_t request_time, int64_t response_time,
                    std::optional<uint64_t> length, uint64_t max_object, std::string_view label) {
  StorePlan plan;
  plan.label = std::string(label);
  const CacheSettings& settings = request.settings;
  if (settings.mode == CacheMode::kBypass) {
    plan.label = "DYNAMIC";
    return plan;
  }
  plan.headers = toPolicy(response_headers);
  selectSurrogateDirectives(plan.headers);
  http::HeaderView view(plan.headers);
  const auto& options = freshnessOptions();
  auto decision = http::checkStorable("GET", status, http::HeaderView(request_policy), view, options);
  if (decision == http::StoreDecision::kStore) {
    // Without any freshness a stored response is only worth keeping when it
    // can be revalidated cheaply and must be anyway: no-cache with a
    // validator (every use then costs a 304 instead of the body).
    http::StoredResponse stored{status, view, request_time, response_time};
    bool revalidate_always = http::effectiveCacheControl(view, options).cc.no_cache &&
                             (view.has("etag") || view.has("last-modified"));
    if (http::freshnessLifetime(stored, options).source == http::FreshnessSource::kNone && !revalidate_always) {
      decision = http::StoreDecision::kNoFreshnessInformation;
    }
  }
  plan.vary = http::varyFieldNames(view);
  bool vary_star = plan.vary.size() == 1 && plan.vary[0] == "*";
  bool sets_cookie = view.has("set-cookie");

  using D = http::StoreDecision;
  std::optional<int64_t> ttl = settings.edgeTtlFor(status);
  if (sets_cookie || decision == D::kRequestNoStore || decision == D::kAuthorization) {
    plan.label = "BYPASS";
    return plan;
  }
  if (vary_star || status == 206 || decision == D::kMethodNotCacheable || decision == D::kStatusNotCacheable ||
      decision == D::kMustUnderstandUnknown) {
    plan.label = "DYNAMIC";
    return plan;
  }
  if (ttl) {
    if (*ttl < 0) {
      plan.label = "BYPASS";
      return plan;
    }
    bool overridable = decision == D::kStore || decision == D::kNoFreshnessInformation ||
                       (settings.mode == CacheMode::kEverything &&
                        (decision == D::kResponseNoStore || decision == D::kPrivate));
    if (!overridable) {
      plan.label = "BYPASS";
      return plan;
    }
    plan.ttl_override = *ttl;
  } else if (decision == D::kResponseNoStore || decision == D::kPrivate) {
    plan.label = "BYPASS";
    return plan;
  } else if (decision == D::kNoFreshnessInformation) {
    std::optional<int64_t> fallback = settings.default_ttl;
    if (!fallback && settings.mode == CacheMode::kEverything) fallback = defaultEdgeTtl(status);
    if (!fallback) {
      plan.label = "DYNAMIC";
      return plan;
    }
    plan.ttl_override = *fallback;
  }
  if (length && *length > max_object) return plan;  // eligible, but too large to keep
  if (auto tags = view.combined("cache-tag")) plan.tags = splitCacheTags(*tags);
  // Last use of `view`: setEdgeTtl() and the erase below change the list it views.
  if (plan.ttl_override >= 0) setEdgeTtl(plan.headers, plan.ttl_override);
  for (const auto& t : settings.tags) {
    for (auto& tag : splitCacheTags(t)) plan.tags.push_back(std::move(tag));
  }
  std::erase_if(plan.headers, [](const http::Header& h) { return net::iequals(h.first, "cache-tag"); });
  plan.store = true;
  return plan;
}

// Client-facing adjustments: edge-only fields removed, the browser TTL of
// the rules applied, the cache status added.
void finishHeaders(net::HeaderList& headers, const CacheSettings& settings, std::string_view label) {
  std::erase_if(headers, [&](const net::HeaderPair& h) {
    return edgeOnly(h.name) || net::iequals(h.name, "cf-cache-status") ||
           (settings.browser_ttl && (net::iequals(h.name, "cache-control") || net::iequals(h.name, "expires")));
  });
  if (settings.browser_ttl) headers.push_back({"cache-control", "max-age=" + std::to_string(*settings.browser_ttl)});
  headers.push_back({"cf-cache-status", std::string(label)});
}

// ---- bodies ----

using ReadDone = std::function<void(std::string data, std::string error)>;  // "" + "" = end

// Random-access reads of a body that is stored or still arriving.
class Content {
 public:
  virtual ~Content() = default;
  // Reads up to `max` bytes at `offset` and calls `done` on `ioc` (never
  // synchronously). An empty `data` and `error` means the body ends there.
  virtual void read(asio::io_context& ioc, uint64_t offset, uint64_t max, ReadDone done) = 0;
};

class ObjectContent : public Content {
 public:
  explicit ObjectContent(std::shared_ptr<const Object> object) : object_(std::move(object)) {}
  void read(asio::io_context& ioc, uint64_t offset, uint64_t max, ReadDone done) override {
    std::string data, error;
    uint64_t size = object_->bodySize();
    if (offset < size) {
      uint64_t n = std::min(max, size - offset);
      if (const std::string* body = object_->memoryBody()) {
        data.assign(*body, offset, n);
      } else if (!object_->read(offset, n, data)) {
        error = "cache: cannot read a stored body";
      }
    }
    asio::post(ioc, [done = std::move(done), data = std::move(data), error = std::move(error)]() mutable {
      done(std::move(data), std::move(error));
    });
  }

 private:
  std::shared_ptr<const Object> object_;
};

// A piece of a response body: literal bytes, or [first, end) of the content.
struct Segment {
  std::string literal;
  bool is_literal = false;
  uint64_t first = 0;
  uint64_t end = kToEnd;
};

// The client's body: segments read in order (a whole body, one range, or a
// multipart/byteranges body).
class SegmentedBody : public net::BodySource {
 public:
  SegmentedBody(asio::io_context& ioc, std::shared_ptr<Content> content, std::vector<Segment> segments)
      : ioc_(ioc), content_(std::move(content)), segments_(std::move(segments)) {
    if (!segments_.empty() && !segments_[0].is_literal) pos_ = segments_[0].first;
  }

  void read(net::BodyReadCallback cb) override {
    if (cancelled_) {
      asio::post(ioc_, [cb = std::move(cb)] { cb({}, "body cancelled"); });
      return;
    }
    while (index_ < segments_.size() && !segments_[index_].is_literal && pos_ >= segments_[index_].end) next();
    if (index_ >= segments_.size()) {
      asio::post(ioc_, [cb = std::move(cb)] { cb({}, {}); });
      return;
    }
    Segment& seg = segments_[index_];
    if (seg.is_literal) {
      std::string data = std::move(seg.literal);
      next();
      asio::post(ioc_, [cb = std::move(cb), data = std::move(data)] { cb(data, {}); });
      return;
    }
    uint64_t want = std::min<uint64_t>(kReadChunk, seg.end - pos_);
    content_->read(ioc_, pos_, want, [this, self = shared(), cb = std::move(cb)](std::string data, std::string error) {
      if (!error.empty()) {
        cb({}, error);
        return;
      }
      if (data.empty()) {
        // The content ended: a body of unknown length ends here too.
        index_ = segments_.size();
        cb({}, {});
        return;
      }
      pos_ += data.size();
      cb(data, {});
    });
  }

  void cancel() override {
    cancelled_ = true;
    content_.reset();
  }

  void setSelf(const std::shared_ptr<SegmentedBody>& self) { self_ = self; }

 private:
  std::shared_ptr<SegmentedBody> shared() { return self_.lock(); }
  void next() {
    ++index_;
    if (index_ < segments_.size() && !segments_[index_].is_literal) pos_ = segments_[index_].first;
  }

  asio::io_context& ioc_;
  std::shared_ptr<Content> content_;
  std::vector<Segment> segments_;
  size_t index_ = 0;
  uint64_t pos_ = 0;
  bool cancelled_ = false;
  std::weak_ptr<SegmentedBody> self_;
};

std::shared_ptr<net::BodySource> makeBody(asio::io_context& ioc, std::shared_ptr<Content> content,
                                          std::vector<Segment> segments) {
  auto body = std::make_shared<SegmentedBody>(ioc, std::move(content), std::move(segments));
  body->setSelf(body);
  return body;
}

class EmptyBody : public net::BodySource {
 public:
  explicit EmptyBody(asio::io_context& ioc) : ioc_(ioc) {}
  void read(net::BodyReadCallback cb) override {
    asio::post(ioc_, [cb = std::move(cb)] { cb({}, {}); });
  }
  void cancel() override {}

 private:
  asio::io_context& ioc_;
};

// The in-memory parts of a response as a body source.
class PartsBody : public net::BodySource {
 public:
  PartsBody(asio::io_context& ioc, std::vector<std::string_view> parts, std::shared_ptr<const void> owner)
      : ioc_(ioc), parts_(std::move(parts)), owner_(std::move(owner)) {}
  void read(net::BodyReadCallback cb) override {
    while (next_ < parts_.size() && parts_[next_].empty()) ++next_;
    std::string_view part = next_ < parts_.size() && owner_ ? parts_[next_++] : std::string_view();
    std::string_view error = !owner_ && next_ < parts_.size() ? "body cancelled" : "";
    asio::post(ioc_, [cb = std::move(cb), part, error, keep = owner_] { cb(part, error); });
  }
  void cancel() override { owner_.reset(); }

 private:
  asio::io_context& ioc_;
  std::vector<std::string_view> parts_;
  size_t next_ = 0;
  std::shared_ptr<const void> owner_;
};

}  // namespace

std::shared_ptr<net::BodySource> CacheResponse::bodySource(boost::asio::io_context& ioc) const {
  if (body) return body;
  return std::make_shared<PartsBody>(ioc, parts, owner);
}

// ---- fills ----

struct Fill;

struct HttpCache::Impl {
  Impl(Store& store, HttpCacheOptions options) : store(store), options(options) {}
  Store& store;
  HttpCacheOptions options;
  std::mutex fills_mutex;
  std::unordered_map<std::string, std::shared_ptr<Fill>> fills;  // registered (coalescing) fills

  void unregister(const std::string& key, const Fill* fill);
};

// One origin request and the body it brings, shared by every request that
// waits for it. All fields below `mutex` are guarded by it.
struct Fill : std::enable_shared_from_this<Fill> {
  Fill(HttpCache::Impl& impl, asio::io_context& ioc) : impl(impl), ioc(ioc) {}

  HttpCache::Impl& impl;
  asio::io_context& ioc;  // the thread that talks to the origin
  std::string key;
  bool registered = false;
  // The request that started it (its headers decide storability and Vary).
  CacheRequest request;
  http::HeaderList request_policy;
  std::shared_ptr<const Object> revalidating;  // conditional fill of this object
  bool refreshing = false;  // a stale response is stored (with or without validators)

  std::mutex mutex;
  enum class Phase { kHead, kBody, kDone, kFailed } phase = Phase::kHead;
  enum class Outcome { kResponse, kNotModified, kError } outcome = Outcome::kError;
  std::string error;
  int status = 0;
  net::HeaderList headers;  // for clients: edge-only fields removed
  std::optional<uint64_t> length;
  bool storing = false;
  bool shareable = false;  // other requests may be served from it
  std::string plan_label;
  ObjectMeta meta;
  std::vector<std::string> vary;
  std::shared_ptr<const Object> fresh_object;  // after a 304
  std::shared_ptr<net::BodySource> origin_body;
  std::string buffer;  // body bytes [base, base + buffer.size())
  uint64_t base = 0;
  bool reading = false;
  int pending_attach = 0;  // head waiters that have not attached or declined yet
  struct Reader {
    uint64_t pos = 0;
    asio::io_context* ioc = nullptr;
    std::function<void()> wake;
  };
  std::map<uint64_t, Reader> readers;
  uint64_t next_reader = 1;
  std::vector<std::pair<asio::io_context*, std::function<void()>>> head_waiters;

  uint64_t end() const { return base + buffer.size(); }

  // Calls `fn` on `waiter_ioc` once the head is known; fn must then call
  // attach() or decline().
  void whenHead(asio::io_context& waiter_ioc, std::function<void()> fn) {
    std::lock_guard lock(mutex);
    ++pending_attach;
    if (phase == Phase::kHead) head_waiters.emplace_back(&waiter_ioc, std::move(fn));
    else asio::post(waiter_ioc, std::move(fn));
  }

  uint64_t attach(asio::io_context& reader_ioc, uint64_t pos) {
    std::lock_guard lock(mutex);
    --pending_attach;
    uint64_t id = next_reader++;
    readers[id] = Reader{pos, &reader_ioc, nullptr};
    return id;
  }

  void decline() {
    bool resume;
    {
      std::lock_guard lock(mutex);
      --pending_attach;
      resume = !reading && phase == Phase::kBody;
    }
    if (resume) asio::post(ioc, [self = shared_from_this()] { self->pump(); });
  }

  void detach(uint64_t id) {
    bool resume;
    {
      std::lock_guard lock(mutex);
      readers.erase(id);
      trimLocked();
      resume = !reading && phase == Phase::kBody;
    }
    if (resume) asio::post(ioc, [self = shared_from_this()] { self->pump(); });
  }

  // Drops bytes every reader has passed, when the body is not being kept.
  void trimLocked() {
    if (storing || pending_attach > 0) return;
    uint64_t min_pos = end();
    for (const auto& [id, r] : readers) min_pos = std::min(min_pos, r.pos);
    if (min_pos > base) {
      buffer.erase(0, min_pos - base);
      base = min_pos;
    }
  }

  void wakeLocked() {
    for (auto& [id, r] : readers) {
      if (r.wake) asio::post(*r.ioc, std::move(r.wake));
      r.wake = nullptr;
    }
  }

  void read(uint64_t id, asio::io_context& reader_ioc, uint64_t offset, uint64_t max, ReadDone done) {
    bool resume = false;
    {
      std::lock_guard lock(mutex);
      auto it = readers.find(id);
      if (it == readers.end() || offset < base) {
        asio::post(reader_ioc, [done = std::move(done)] { done({}, "cache: body no longer available"); });
        return;
      }
      if (offset < end()) {
        uint64_t n = std::min(max, end() - offset);
        std::string data = buffer.substr(offset - base, n);
        it->second.pos = offset + n;
        trimLocked();
        resume = !reading && phase == Phase::kBody;
        asio::post(reader_ioc, [done = std::move(done), data = std::move(data)]() mutable {
          done(std::move(data), {});
        });
      } else if (phase == Phase::kDone) {
        asio::post(reader_ioc, [done = std::move(done)] { done({}, {}); });
      } else if (phase == Phase::kFailed) {
        asio::post(reader_ioc, [done = std::move(done), e = error] { done({}, e.empty() ? "origin failed" : e); });
      } else {
        it->second.pos = offset;
        trimLocked();
        resume = !reading && phase == Phase::kBody;
        it->second.wake = [self = shared_from_this(), id, &reader_ioc, offset, max, done = std::move(done)]() mutable {
          self->read(id, reader_ioc, offset, max, std::move(done));
        };
      }
    }
    if (resume) asio::post(ioc, [self = shared_from_this()] { self->pump(); });
  }

  // Reads the next origin chunk when the readers want more (or we store).
  void pump() {
    std::shared_ptr<net::BodySource> body;
    {
      std::lock_guard lock(mutex);
      if (phase != Phase::kBody || reading) return;
      if (!storing) {
        if (readers.empty() && pending_attach == 0) {
          // Nobody wants the rest and we are not keeping it.
          phase = Phase::kFailed;
          error = "abandoned";
          origin_body->cancel();
          return;
        }
        uint64_t min_pos = pending_attach > 0 ? base : end();
        for (const auto& [id, r] : readers) min_pos = std::min(min_pos, r.pos);
        if (end() - std::min(min_pos, end()) >= kPassWindow) return;  // a reader will resume us
      }
      reading = true;
      body = origin_body;
    }
    body->read([self = shared_from_this()](std::string_view data, std::string_view error) {
      self->onData(data, error);
    });
  }

  void onData(std::string_view data, std::string_view read_error) {
    bool more = false;
    bool still_shared = false;
    {
      std::lock_guard lock(mutex);
      reading = false;
      if (!read_error.empty()) {
        phase = Phase::kFailed;
        error = std::string(read_error);
      } else if (data.empty()) {
        phase = Phase::kDone;
        if (storing && (!length || *length == end()) && base == 0) storeLocked();
      } else {
        buffer.append(data);
        if (storing && end() > impl.options.max_object_bytes) {
          storing = false;  // too large to keep after all; readers still get it
          shareable = false;
        }
        if (storing && length && *length == end() && base == 0) {
          // The last byte of a body of known length: complete now, not at the
          // origin's end-of-body read, so no client can see the whole body
          // before the store has it.
          phase = Phase::kDone;
          storeLocked();
        } else {
          more = true;
        }
        trimLocked();
      }
      // Readers are woken only after the store has the object.
      wakeLocked();
      still_shared = shareable;
    }
    if (!more || !still_shared) impl.unregister(key, this);
    if (more) pump();
  }

  // Hands the complete body to the store (under `mutex`, so every reader
  // that sees the last byte finds the object stored).
  void storeLocked() { impl.store.insert(meta, buffer); }

  void onHead(std::string_view fetch_error, std::shared_ptr<OriginResponse> resp) {
    std::vector<std::pair<asio::io_context*, std::function<void()>>> waiters;
    bool start_body = false;
    std::shared_ptr<net::BodySource> cancel_body;
    {
      std::lock_guard lock(mutex);
      if (!fetch_error.empty() || !resp) {
        outcome = Outcome::kError;
        error = fetch_error.empty() ? "origin failed" : std::string(fetch_error);
        phase = Phase::kFailed;
      } else if (resp->status == 304 && revalidating) {
        // RFC 9111 §4.3.4: freshen the stored response with the 304's fields.
        http::HeaderList update = toPolicy(resp->headers);
        http::HeaderList freshened =
            http::freshenHeaders(http::HeaderView(revalidating->meta().headers), http::HeaderView(update));
        if (impl.store.updateHeaders(*revalidating, freshened, resp->request_time, resp->response_time)) {
          for (auto& obj : impl.store.lookup(revalidating->meta().url_key)) {
            if (obj->id() == revalidating->id()) fresh_object = obj;
          }
        }
        if (!fresh_object) fresh_object = revalidating;
        outcome = Outcome::kNotModified;
        phase = Phase::kDone;
        cancel_body = resp->body;
      } else {
        outcome = Outcome::kResponse;
        status = resp->status;
        length = resp->length;
        origin_body = resp->body;
        // A 5xx while revalidating must not replace the stored response:
        // stale-if-error may still serve it.
        bool keep = !(refreshing && status >= 500);
        StorePlan plan = planStore(request, request_policy, status, resp->headers, resp->request_time,
                                   resp->response_time, length, impl.options.max_object_bytes,
                                   refreshing ? "EXPIRED" : "MISS");
        plan_label = plan.label;
        vary = plan.vary;
        storing = keep && plan.store;
        shareable = storing;
        headers = resp->headers;
        std::erase_if(headers, [](const net::HeaderPair& h) { return edgeOnly(h.name); });
        if (storing) {
          meta.url_key = key;
          meta.variant = vary.empty() ? "" : http::secondaryKey(vary, http::HeaderView(request_policy));
          meta.zone = request.zone;
          meta.host = request.host;
          meta.path = keyedPath(request.path, request.settings.cache_key);
          meta.tags = std::move(plan.tags);
          meta.status = status;
          meta.headers = std::move(plan.headers);
          meta.request_time = resp->request_time;
          meta.response_time = resp->response_time;
          meta.ttl_override = plan.ttl_override;
        }
        phase = Phase::kBody;
        start_body = true;
      }
      waiters.swap(head_waiters);
    }
    if (cancel_body) cancel_body->cancel();
    bool shared_body;
    {
      std::lock_guard lock(mutex);
      shared_body = shareable;
    }
    if (!start_body || !shared_body) impl.unregister(key, this);
    for (auto& [waiter_ioc, fn] : waiters) asio::post(*waiter_ioc, std::move(fn));
    if (start_body) pump();
  }
};

void HttpCache::Impl::unregister(const std::string& key, const Fill* fill) {
  if (!fill->registered) return;
  std::lock_guard lock(fills_mutex);
  auto it = fills.find(key);
  if (it != fills.end() && it->second.get() == fill) fills.erase(it);
}

namespace {

// A reader of a fill's body, as Content.
class FillContent : public Content {
 public:
  FillContent(std::shared_ptr<Fill> fill, asio::io_context& ioc, uint64_t start)
      : fill_(std::move(fill)), id_(fill_->attach(ioc, start)) {}
  ~FillContent() override { fill_->detach(id_); }
  void read(asio::io_context& ioc, uint64_t offset, uint64_t max, ReadDone done) override {
    fill_->read(id_, ioc, offset, max, std::move(done));
  }

 private:
  std::shared_ptr<Fill> fill_;
  uint64_t id_;
};

// One client request going through the cache.
struct Ctx {
  HttpCache::Impl* impl = nullptr;
  asio::io_context* ioc = nullptr;
  CacheRequest request;
  http::HeaderList request_policy;
  http::CacheControl request_cc;
  std::string key;
  std::string label;                    // MISS or EXPIRED
  std::shared_ptr<const Object> stale;  // the stored response, when revalidating
  bool stale_if_error = false;
  bool initiator = false;
  Origin origin;
  CacheCallback callback;

  bool isHead() const { return request.method == "HEAD"; }
};

void respond(Ctx& ctx, std::shared_ptr<CacheResponse> response) {
  ctx.callback({}, std::move(response));
}

std::shared_ptr<CacheResponse> bodiless(Ctx& ctx, int status, net::HeaderList headers, std::string_view label) {
  auto r = std::make_shared<CacheResponse>();
  r->status = status;
  r->headers = std::move(headers);
  finishHeaders(r->headers, ctx.request.settings, label);
  r->cache_status = std::string(label);
  r->length = 0;
  r->body = std::make_shared<EmptyBody>(*ctx.ioc);
  r->has_parts = true;
  return r;
}

// Builds the response to `ctx` from a complete or arriving body: answers the
// client's conditionals (304/412) and Range (206/416), else the full body.
// `content` is created lazily by `make_content(start)`; `memory` is the whole
// body when it is in memory.
void answer(Ctx& ctx, int status, net::HeaderList headers, const http::HeaderList* stored_policy,
            std::optional<uint64_t> length,
            std::string_view label, const std::function<std::shared_ptr<Content>(uint64_t)>& make_content,
            const std::string* memory, std::shared_ptr<const void> owner, bool ranges_any_order,
            const std::function<void()>& no_body) {
  // The response's fields for the policy functions: the stored list when
  // there is one, else a copy of the client-facing list.
  http::HeaderList copied;
  if (!stored_policy) copied = toPolicy(headers);
  http::HeaderView view(stored_policy ? *stored_policy : copied);
  if (status >= 200 && status < 300) {
    auto cond = http::evaluateConditionals(ctx.request.method, http::HeaderView(ctx.request_policy), status, view);
    if (cond == http::ConditionalResult::kNotModified) {
      no_body();
      net::HeaderList out;
      for (auto& [n, v] : http::notModifiedHeaders(view)) out.push_back({n, v});
      for (const auto& h : headers) {
        if (net::iequals(h.name, "age")) out.push_back(h);
      }
      respond(ctx, bodiless(ctx, 304, std::move(out), label));
      return;
    }
    if (cond == http::ConditionalResult::kPreconditionFailed) {
      no_body();
      respond(ctx, bodiless(ctx, 412, {}, label));
      return;
    }
  }
  std::vector<Segment> segments;
  int out_status = status;
  std::optional<uint64_t> out_length = length;
  auto range = net::findHeader(ctx.request.headers, "range");
  if (range && status == 200 && length) {
    auto if_range = net::findHeader(ctx.request.headers, "if-range");
    if (!if_range || http::ifRangeMatches(*if_range, view)) {
      auto result = http::evaluateRange(*range, *length);
      bool ascending = std::is_sorted(result.ranges.begin(), result.ranges.end(),
                                      [](const http::ByteRange& a, const http::ByteRange& b) { return a.first < b.first; });
      if (result.outcome == http::RangeOutcome::kUnsatisfiable) {
        no_body();
        net::HeaderList out = headers;
        std::erase_if(out, [](const net::HeaderPair& h) { return net::iequals(h.name, "content-type"); });
        out.push_back({"content-range", "bytes */" + std::to_string(*length)});
        respond(ctx, bodiless(ctx, 416, std::move(out), label));
        return;
      }
      if (result.outcome == http::RangeOutcome::kSatisfiable && (ranges_any_order || ascending)) {
        out_status = 206;
        if (result.ranges.size() == 1) {
          const auto& r = result.ranges[0];
          headers.push_back({"content-range", http::contentRange(r, *length)});
          segments.push_back(Segment{{}, false, r.first, r.last + 1});
          out_length = r.last - r.first + 1;
        } else {
          std::string type(view.first("content-type").value_or(""));
          std::string boundary =
              "verge-" + std::to_string(std::hash<std::string>{}(ctx.key + std::string(*range)) & 0xffffffffffff);
          auto layout = http::multipartLayout(result.ranges, type, *length, boundary);
          std::erase_if(headers, [](const net::HeaderPair& h) { return net::iequals(h.name, "content-type"); });
          headers.push_back({"content-type", layout.content_type});
          for (size_t i = 0; i < result.ranges.size(); ++i) {
            segments.push_back(Segment{layout.part_headers[i], true, 0, 0});
            segments.push_back(Segment{{}, false, result.ranges[i].first, result.ranges[i].last + 1});
          }
          segments.push_back(Segment{layout.trailer, true, 0, 0});
          out_length = layout.total_length;
        }
      }
    }
  }
  if (segments.empty()) segments.push_back(Segment{{}, false, 0, length.value_or(kToEnd)});

  auto r = std::make_shared<CacheResponse>();
  r->status = out_status;
  r->headers = std::move(headers);
  finishHeaders(r->headers, ctx.request.settings, label);
  r->cache_status = std::string(label);
  r->length = out_length;
  if (ctx.isHead() || out_status == 204 || out_status == 304) {
    no_body();
    r->body = std::make_shared<EmptyBody>(*ctx.ioc);
    respond(ctx, std::move(r));
    return;
  }
  if (memory) {
    // Views for a direct write. A multipart body's literals need a home of
    // their own; a plain body is a view of the object the owner holds.
    struct Keep {
      std::shared_ptr<const void> owner;
      std::vector<std::string> literals;
    };
    std::shared_ptr<Keep> keep;
    for (const auto& seg : segments) {
      if (seg.is_literal) {
        if (!keep) {
          keep = std::make_shared<Keep>(Keep{owner, {}});
          keep->literals.reserve(segments.size());
        }
        r->parts.push_back(keep->literals.emplace_back(seg.literal));
      } else {
        uint64_t end = std::min<uint64_t>(seg.end, memory->size());
        r->parts.push_back(std::string_view(*memory).substr(seg.first, end - seg.first));
      }
    }
    r->has_parts = true;
    if (keep) owner = keep;
  } else {
    uint64_t start = segments[0].is_literal ? segments[1].first : segments[0].first;
    r->body = makeBody(*ctx.ioc, make_content(start), std::move(segments));
  }
  r->owner = std::move(owner);
  respond(ctx, std::move(r));
}

void serveObject(std::shared_ptr<Ctx> ctx, std::shared_ptr<const Object> object, std::string_view label) {
  const ObjectMeta& meta = object->meta();
  int64_t age = http::currentAge(http::StoredResponse{meta.status, http::HeaderView(meta.headers),
                                                      meta.request_time, meta.response_time},
                                 nowSeconds());
  net::HeaderList headers = storedHeaders(meta.headers, age);
  const std::string* memory = object->memoryBody();
  answer(*ctx, meta.status, std::move(headers), &meta.headers, object->bodySize(), label,
         [object](uint64_t) { return std::make_shared<ObjectContent>(object); }, memory, object, true, [] {});
}

void startFill(std::shared_ptr<Fill> fill, const Origin& origin) {
  OriginRequest req;
  req.method = fill->request.method == "HEAD" ? "GET" : fill->request.method;
  bool cacheable_method = req.method == "GET";
  // A body is not part of the key: a GET never carries one to the origin.
  if (!cacheable_method) req.body = fill->request.body;
  for (const auto& h : fill->request.headers) {
    if (cacheable_method && isConditionalOrRange(h.name)) continue;
    req.headers.push_back(h);
  }
  if (cacheable_method) {
    // Tell the origin this cache understands Surrogate-Control (appended to
    // what caches in front of us announced).
    req.headers.push_back({"surrogate-capability", std::string(kSurrogateToken) + "=\"Surrogate/1.0\""});
  }
  if (fill->revalidating) {
    for (auto& [n, v] : http::revalidationHeaders(http::HeaderView(fill->revalidating->meta().headers))) {
      req.headers.push_back({n, v});
    }
  }
  origin(std::move(req), [fill](std::string_view error, std::shared_ptr<OriginResponse> resp) {
    fill->onHead(error, std::move(resp));
  });
}

void fetchAlone(std::shared_ptr<Ctx> ctx);

// Runs on the waiter's thread once `fill` knows its head.
void onFillHead(std::shared_ptr<Ctx> ctx, std::shared_ptr<Fill> fill) {
  Fill::Outcome outcome;
  int status;
  bool shareable;
  std::vector<std::string> vary;
  std::string variant, plan_label, error;
  std::shared_ptr<const Object> fresh;
  net::HeaderList headers;
  std::optional<uint64_t> length;
  bool storing;
  {
    std::lock_guard lock(fill->mutex);
    outcome = fill->outcome;
    status = fill->status;
    shareable = fill->shareable;
    vary = fill->vary;
    variant = fill->meta.variant;
    plan_label = fill->plan_label;
    error = fill->error;
    fresh = fill->fresh_object;
    headers = fill->headers;
    length = fill->length;
    storing = fill->storing;
  }
  auto variantMatches = [&](const std::vector<std::string>& names, const std::string& v) {
    if (ctx->initiator) return true;
    if (names.size() == 1 && names[0] == "*") return false;
    return (names.empty() ? std::string() : http::secondaryKey(names, http::HeaderView(ctx->request_policy))) == v;
  };
  if (outcome == Fill::Outcome::kError) {
    fill->decline();
    if (ctx->stale && ctx->stale_if_error) return serveObject(ctx, ctx->stale, "STALE");
    ctx->callback(error, nullptr);
    return;
  }
  if (outcome == Fill::Outcome::kNotModified) {
    fill->decline();
    auto names = http::varyFieldNames(http::HeaderView(fresh->meta().headers));
    if (!variantMatches(names, fresh->meta().variant)) return fetchAlone(ctx);
    return serveObject(ctx, fresh, "REVALIDATED");
  }
  if (status >= 500 && ctx->stale && ctx->stale_if_error) {
    fill->decline();
    return serveObject(ctx, ctx->stale, "STALE");
  }
  if (!ctx->initiator && (!shareable || !variantMatches(vary, variant))) {
    fill->decline();
    return fetchAlone(ctx);
  }
  std::string label = plan_label == "BYPASS" || plan_label == "DYNAMIC" ? plan_label : ctx->label;
  auto& ioc = *ctx->ioc;
  bool attached = false;
  auto make_content = [&](uint64_t start) -> std::shared_ptr<Content> {
    attached = true;
    return std::make_shared<FillContent>(fill, ioc, start);
  };
  answer(*ctx, status, std::move(headers), nullptr, length, label, make_content, nullptr, nullptr, storing,
         [&] {
           if (!attached) {
             attached = true;
             fill->decline();
           }
         });
  if (!attached) fill->decline();
}

// Starts (or joins) the fill for ctx->key and answers from it.
void fetchThroughFill(std::shared_ptr<Ctx> ctx, bool coalesce) {
  auto& impl = *ctx->impl;
  std::shared_ptr<Fill> fill;
  bool start = false;
  if (coalesce) {
    std::lock_guard lock(impl.fills_mutex);
    auto it = impl.fills.find(ctx->key);
    if (it != impl.fills.end()) {
      fill = it->second;
    } else {
      fill = std::make_shared<Fill>(impl, *ctx->ioc);
      fill->registered = true;
      impl.fills.emplace(ctx->key, fill);
      start = true;
    }
  } else {
    fill = std::make_shared<Fill>(impl, *ctx->ioc);
    start = true;
  }
  if (start) {
    ctx->initiator = true;
    fill->key = ctx->key;
    fill->request = ctx->request;
    fill->request_policy = ctx->request_policy;
    fill->refreshing = ctx->stale != nullptr;
    if (ctx->stale && !http::revalidationHeaders(http::HeaderView(ctx->stale->meta().headers)).empty()) {
      fill->revalidating = ctx->stale;
    }
  }
  fill->whenHead(*ctx->ioc, [ctx, fill] { onFillHead(ctx, fill); });
  if (start) startFill(fill, ctx->origin);
}

void fetchAlone(std::shared_ptr<Ctx> ctx) {
  ctx->stale = nullptr;  // already decided; this is a plain fetch now
  fetchThroughFill(ctx, false);
}

// Unsafe methods (and anything not GET/HEAD) go to the origin; a success
// invalidates the target and the same-host Location / Content-Location
// (RFC 9111 §4.4).
void passUnsafe(std::shared_ptr<Ctx> ctx) {
  auto& impl = *ctx->impl;
  auto fill = std::make_shared<Fill>(impl, *ctx->ioc);
  fill->key = ctx->key;
  fill->request = ctx->request;
  fill->request.settings.mode = CacheMode::kBypass;
  fill->request_policy = ctx->request_policy;
  ctx->initiator = true;
  auto original = ctx->callback;
  ctx->callback = [ctx_raw = ctx.get(), original](std::string_view error, std::shared_ptr<CacheResponse> r) {
    if (r && r->status >= 200 && r->status < 400) {
      const CacheRequest& req = ctx_raw->request;
      auto invalidate = [&](std::string_view target) {
        std::string path(target);
        for (const char* scheme : {"http://", "https://"}) {
          if (path.rfind(scheme, 0) == 0) {
            std::string rest = path.substr(std::string_view(scheme).size());
            size_t slash = rest.find('/');
            std::string host = lower(rest.substr(0, slash));
            if (size_t colon = host.find(':'); colon != std::string::npos) host.resize(colon);
            if (host != req.host) return;
            path = slash == std::string::npos ? "/" : rest.substr(slash);
          }
        }
        if (path.empty() || path[0] != '/') return;
        ctx_raw->impl->store.purgeUrl(req.zone, req.host, keyedPath(path, req.settings.cache_key));
      };
      invalidate(req.path);
      for (const auto& h : r->headers) {
        if (net::iequals(h.name, "location") || net::iequals(h.name, "content-location")) invalidate(h.value);
      }
    }
    original(error, std::move(r));
  };
  fill->whenHead(*ctx->ioc, [ctx, fill] { onFillHead(ctx, fill); });
  startFill(fill, ctx->origin);
}

void backgroundRevalidate(std::shared_ptr<Ctx> ctx, std::shared_ptr<const Object> stale) {
  auto& impl = *ctx->impl;
  std::shared_ptr<Fill> fill;
  {
    std::lock_guard lock(impl.fills_mutex);
    if (impl.fills.count(ctx->key)) return;  // one refresh at a time
    fill = std::make_shared<Fill>(impl, *ctx->ioc);
    fill->registered = true;
    impl.fills.emplace(ctx->key, fill);
  }
  fill->key = ctx->key;
  fill->request = ctx->request;
  fill->request_policy = ctx->request_policy;
  fill->refreshing = true;
  if (!http::revalidationHeaders(http::HeaderView(stale->meta().headers)).empty()) fill->revalidating = stale;
  startFill(fill, ctx->origin);
}

}  // namespace

std::shared_ptr<const Object> selectVariant(Store& store, std::string_view url_key,
                                            const http::HeaderList& request_headers) {
  for (auto& object : store.lookup(url_key)) {
    const ObjectMeta& meta = object->meta();
    auto names = http::varyFieldNames(http::HeaderView(meta.headers));
    if (names.size() == 1 && names[0] == "*") continue;
    std::string variant = names.empty() ? "" : http::secondaryKey(names, http::HeaderView(request_headers));
    if (variant == meta.variant) {
      store.markUsed(*object);
      return object;
    }
  }
  return nullptr;
}

HttpCache::HttpCache(Store& store, HttpCacheOptions options)
    : store_(store), impl_(std::make_unique<Impl>(store, options)) {}

HttpCache::~HttpCache() = default;

std::string HttpCache::urlKey(const CacheRequest& request) {
  const CacheSettings& settings = request.settings;
  std::string key = request.zone;
  key += '\x1f';
  if (settings.custom_key) {
    key += "key:";
    key += *settings.custom_key;
  } else {
    key += request.authority.empty() ? request.host : request.authority;
    key += keyedPath(request.path, settings.cache_key);
  }
  for (const auto& name : settings.cache_key.include_headers) {
    key += "\x1fh:" + name + "=";
    if (auto v = net::findHeader(request.headers, name)) key += *v;
  }
  if (!settings.cache_key.include_cookies.empty()) {
    std::string_view cookies = net::findHeader(request.headers, "cookie").value_or("");
    for (const auto& name : settings.cache_key.include_cookies) {
      key += "\x1f" "c:" + name + "=";
      if (auto v = cookieValue(cookies, name)) key += *v;
    }
  }
  return key;
}

void HttpCache::fetch(asio::io_context& ioc, CacheRequest request, Origin origin, CacheCallback callback) {
  auto ctx = std::make_shared<Ctx>();
  ctx->impl = impl_.get();
  ctx->ioc = &ioc;
  ctx->request = std::move(request);
  if (ctx->request.method == "GET" || ctx->request.method == "HEAD") {
    normalizeAcceptEncodingHeader(ctx->request.headers);
    ctx->request.body.clear();  // never forwarded: not in the key
  }
  ctx->request_policy = toPolicy(ctx->request.headers);
  ctx->origin = std::move(origin);
  ctx->callback = std::move(callback);
  ctx->key = urlKey(ctx->request);
  ctx->label = "MISS";
  const std::string& method = ctx->request.method;

  if (method != "GET" && method != "HEAD") return passUnsafe(ctx);
  if (ctx->request.settings.mode == CacheMode::kBypass) return fetchThroughFill(ctx, false);

  ctx->request_cc = requestCacheControl(ctx->request_policy);
  bool has_auth = net::findHeader(ctx->request.headers, "authorization").has_value();
  int64_t now = nowSeconds();
  std::shared_ptr<const Object> selected = selectVariant(store_, ctx->key, ctx->request_policy);
  // Requests whose answer may differ from everyone else's do not join others.
  bool coalesce = !has_auth && !ctx->request_cc.no_store;
  if (!selected) {
    if (ctx->request_cc.only_if_cached) {
      respond(*ctx, bodiless(*ctx, 504, {}, "MISS"));
      return;
    }
    return fetchThroughFill(ctx, coalesce);
  }
  const ObjectMeta& meta = selected->meta();
  http::StoredResponse view{meta.status, http::HeaderView(meta.headers), meta.request_time, meta.response_time};
  auto decision = http::evaluateLookup(ctx->request_cc, has_auth, view, now, freshnessOptions());
  switch (decision.result) {
    case http::LookupResult::kFresh:
      return serveObject(ctx, selected, "HIT");
    case http::LookupResult::kStaleServable:
      return serveObject(ctx, selected, "STALE");
    case http::LookupResult::kStaleWhileRevalidate:
      if (ctx->request.settings.serve_stale) {
        backgroundRevalidate(ctx, selected);
        return serveObject(ctx, selected, "UPDATING");
      }
      break;
    case http::LookupResult::kGatewayTimeout:
      respond(*ctx, bodiless(*ctx, 504, {}, "EXPIRED"));
      return;
    case http::LookupResult::kMustRevalidate:
      break;
  }
  ctx->label = "EXPIRED";
  ctx->stale = selected;
  ctx->stale_if_error = decision.stale_if_error_allowed;
  fetchThroughFill(ctx, coalesce);
}

}  // namespace verge::cache
