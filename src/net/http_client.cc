#include "net/http_client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/client_connect.h"
#include "net/egress.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace verge::net {

namespace {

// The phrase each kind of error message starts with (see FetchErrorKind).
constexpr std::pair<std::string_view, FetchErrorKind> kErrorPrefixes[] = {
    {"invalid request: ", FetchErrorKind::kInvalidRequest},
    {"egress to ", FetchErrorKind::kEgressRefused},
    {"cannot resolve ", FetchErrorKind::kUnresolvable},
    {"cannot reach ", FetchErrorKind::kUnreachable},
    {"connection refused by ", FetchErrorKind::kRefused},
    {"connect timeout: ", FetchErrorKind::kConnectTimeout},
    {"cannot connect to ", FetchErrorKind::kConnectFailed},
    {"TLS", FetchErrorKind::kTls},
    {"response timeout: ", FetchErrorKind::kResponseTimeout},
    {"connection closed: ", FetchErrorKind::kClosed},
    {"malformed response: ", FetchErrorKind::kMalformed},
};

// Interim (1xx) responses skipped before the final one; more is an origin
// that never answers.
constexpr int kMaxInterimResponses = 16;
constexpr size_t kReadChunk = 64 * 1024;

struct ParsedUrl {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string host_header;
  std::string target;
};

// The URL has already been normalised by the WHATWG parser in JS, so this
// only splits it; it still rejects anything it does not understand.
bool splitUrl(std::string_view url, ParsedUrl& out, std::string& error) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) {
    error = "invalid request: URL has no scheme";
    return false;
  }
  std::string_view scheme = url.substr(0, colon);
  if (scheme == "http") out.tls = false;
  else if (scheme == "https") out.tls = true;
  else {
    error = "invalid request: unsupported URL scheme '" + std::string(scheme) + "'";
    return false;
  }
  std::string_view rest = url.substr(colon + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "/" : rest.substr(path_start);
  if (size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  if (path.empty() || path[0] != '/') out.target = "/" + std::string(path);
  else out.target = std::string(path);
  for (unsigned char c : out.target) {
    // A space or control character would end the request line early.
    if (c <= ' ' || c == 0x7f) {
      error = "invalid request: the URL's path contains a space or control character";
      return false;
    }
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  out.host_header = std::string(authority);
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "invalid request: bad IPv6 host";
      return false;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) {
    error = "invalid request: URL has no host";
    return false;
  }
  out.host = std::string(host);
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  return true;
}

// A header that would split the request if written as is.
bool unsafeHeaderText(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

// Errors of beast's HTTP parser: the origin broke the protocol (as opposed to
// the connection ending, which end_of_stream and partial_message report).
bool isParseError(const beast::error_code& ec) {
  static const auto& category = http::make_error_code(http::error::bad_chunk).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message && ec != http::error::need_buffer && ec != http::error::need_more;
}

bool isClosed(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

template <class Stream>
class ClientConnection;
using PlainConnection = ClientConnection<beast::tcp_stream>;

// Idle keep-alive connections to plain-HTTP origins, per event loop. An asio
// service, so they close with their io_context.
class IdlePool : public asio::execution_context::service {
 public:
  static asio::execution_context::id id;
  explicit IdlePool(asio::execution_context& context) : asio::execution_context::service(context) {}

  // A connection to `key` ("host:port") that is still open and quiet, or null.
  std::shared_ptr<PlainConnection> take(const std::string& key);
  void put(const std::string& key, std::shared_ptr<PlainConnection> connection);

 private:
  void shutdown() override { idle_.clear(); }

  static constexpr size_t kMaxIdlePerOrigin = 32;
  static constexpr auto kMaxIdle = std::chrono::seconds(30);
  struct Idle {
    std::shared_ptr<PlainConnection> connection;
    std::chrono::steady_clock::time_point since;
  };
  std::unordered_map<std::string, std::vector<Idle>> idle_;
};
asio::execution_context::id IdlePool::id;

// One HTTP/1.1 connection to an origin, reused for further GET/HEAD requests
// when the origin keeps it alive (plain HTTP only). Each response's body is a
// ResponseBody bound to one use of the connection.
template <class Stream>
class ClientConnection : public std::enable_shared_from_this<ClientConnection<Stream>> {
  static constexpr bool kPlain = std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... Args>
  explicit ClientConnection(asio::io_context& ioc, Args&&... args)
      : ioc_(ioc), stream_(ioc, std::forward<Args>(args)...) {}

  Stream& stream() { return stream_; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  uint64_t generation() const { return generation_; }

  // What waits unread in the socket: 0 nothing, 1 bytes, -1 end of stream
  // or an error.
  int pending() {
    char byte;
    ssize_t n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return 1;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
  }

  // Whether an idle connection can carry another request: still open, and
  // nothing unexpected waiting to be read.
  bool quiet() { return pending() == 0; }

  // `reused`: the connection comes from the idle pool (already connected).
  asio::awaitable<void> exchange(ClientRequest req, ParsedUrl url, FetchCallback cb, bool reused = false) {
    auto self = this->shared_from_this();
    beast::error_code ec;
    // Marks the connection unusable and reports `what`.
    auto fail = [&](std::string what) {
      broken_ = true;
      beast::error_code ignored;
      lowest().socket().close(ignored);
      cb(what, nullptr);
    };
    const bool idempotent = req.method == "GET" || req.method == "HEAD";
    // The origin closed the idle connection we picked: send the request
    // again on a new one (see the top of http_client.h for when).
    auto retry = [&]() {
      broken_ = true;
      auto fresh = std::make_shared<PlainConnection>(ioc_);
      asio::co_spawn(ioc_, fresh->exchange(std::move(req), std::move(url), std::move(cb)),
                     [fresh](std::exception_ptr) {});
    };
    poolable_ = kPlain && idempotent;
    pool_key_ = url.host + ":" + url.port;
    body_timeout_ = req.body_timeout;
    if (!reused) {
      ConnectTarget target{url.host, url.port, url.host_header, req.connect_timeout, req.egress.get()};
      std::string error = co_await connectSocket(lowest().socket(), target);
      if (!error.empty()) co_return fail(std::move(error));
    }
    if constexpr (!kPlain) {
      if (!setUpClientTls(stream_, url.host)) co_return fail("TLS: cannot set SNI");
      lowest().expires_after(req.connect_timeout);
      co_await stream_.async_handshake(ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return fail("TLS handshake with " + url.host_header + " failed: " + ec.message());
    }

    std::string out;
    out.reserve(256 + req.body.size());
    out += req.method;
    out += ' ';
    out += url.target;
    out += " HTTP/1.1\r\n";
    bool has_host = false, has_ua = false;
    for (const auto& h : req.headers) {
      if (isHopByHopHeader(h.name) || iequals(h.name, "content-length")) continue;
      if (h.name.empty() || unsafeHeaderText(h.name) || unsafeHeaderText(h.value)) {
        co_return fail("invalid request: header '" + h.name.substr(0, 64) + "' is empty or contains a line break");
      }
      if (iequals(h.name, "host")) has_host = true;
      if (iequals(h.name, "user-agent")) has_ua = true;
      out += h.name;
      out += ": ";
      out += h.value;
      out += "\r\n";
    }
    if (!has_host) out += "host: " + url.host_header + "\r\n";
    if (!has_ua) out += "user-agent: verge\r\n";
    bool method_has_body = !idempotent;
    if (!req.body.empty() || method_has_body) {
      out += "content-length: " + std::to_string(req.body.size()) + "\r\n";
    }
    out += poolable_ ? "\r\n" : "connection: close\r\n\r\n";
    out += req.body;
    // The response timeout runs from the first byte of the request to the
    // last byte of the response head (Cloudflare's write and read timeouts
    // both answer 524).
    lowest().expires_after(req.response_timeout);
    size_t written =
        co_await asio::async_write(stream_, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == beast::error::timeout) {
      co_return fail("response timeout: " + url.host_header + " did not take the request within " +
                     millis(req.response_timeout));
    }
    if (ec && reused && written == 0) co_return retry();
    if (ec && isClosed(ec)) {
      co_return fail("connection closed: " + url.host_header + " closed the connection while the request was sent");
    }
    if (ec) co_return fail("writing the request to " + url.host_header + " failed: " + ec.message());

    // Skip interim 1xx responses.
    for (int interim = 0;; ++interim) {
      parser_.emplace();
      parser_->body_limit(boost::none);
      parser_->header_limit(64 * 1024);
      if (req.method == "HEAD") parser_->skip(true);
      co_await http::async_read_header(stream_, buffer_, *parser_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == beast::error::timeout) {
        co_return fail("response timeout: " + url.host_header +
                       " accepted the connection but sent no response head within " + millis(req.response_timeout));
      }
      const bool nothing_received = interim == 0 && !parser_->got_some() && buffer_.size() == 0;
      if (ec && isClosed(ec) && nothing_received) {
        // An idle connection the origin closed while we were picking it.
        if (reused && idempotent) co_return retry();
        co_return fail("connection closed: " + url.host_header + " closed the connection without a response");
      }
      if (ec && (isClosed(ec) || ec == http::error::partial_message)) {
        co_return fail("connection closed: " + url.host_header + " closed the connection in the middle of the response head");
      }
      if (ec && isParseError(ec)) co_return fail("malformed response: " + url.host_header + ": " + ec.message());
      if (ec) co_return fail("reading the response from " + url.host_header + " failed: " + ec.message());
      int status = parser_->get().result_int();
      if (status < 100 || status > 599) {
        co_return fail("malformed response: " + url.host_header + " sent status " + std::to_string(status) +
                       " (outside 100-599)");
      }
      if (status == 101) {
        co_return fail("malformed response: " + url.host_header + " switched protocols without being asked to");
      }
      if (status >= 200) break;
      if (interim >= kMaxInterimResponses) {
        co_return fail("malformed response: " + url.host_header + " sent more than " +
                       std::to_string(kMaxInterimResponses) + " interim responses");
      }
    }
    // Transfer-Encoding with Content-Length may be an attempt at response
    // splitting (RFC 9112 §6.1): the two framings disagree.
    if (parser_->get().count(http::field::transfer_encoding) > 0 &&
        parser_->get().count(http::field::content_length) > 0) {
      co_return fail("malformed response: " + url.host_header + " sent both Transfer-Encoding and Content-Length");
    }
    // Body bytes that came with the head: a malformed body sent in one piece
    // fails here, while the caller can still answer 502.
    if (std::string error = parseBuffered(url.host_header); !error.empty()) co_return fail(error);
    if (parser_->is_done()) {
      if (std::string error = trailingBytes(url.host_header); !error.empty()) co_return fail(error);
    }
    auto resp = std::make_shared<ClientResponse>();
    auto& msg = parser_->get();
    resp->status = msg.result_int();
    resp->reason = std::string(msg.reason());
    for (const auto& f : msg) {
      resp->headers.push_back({std::string(f.name_string()), std::string(f.value())});
    }
    const uint64_t use = generation_;
    resp->body = std::make_shared<ResponseBody>(self, use);
    cb({}, std::move(resp));
    if (parser_->is_done() && prefetched_.empty()) release(use);  // no body (HEAD, 204, 304, empty)
  }

  // The body of one response on this connection.
  class ResponseBody : public BodySource {
   public:
    ResponseBody(std::shared_ptr<ClientConnection> connection, uint64_t generation)
        : connection_(std::move(connection)), generation_(generation) {}
    void read(BodyReadCallback cb) override {
      // Once the connection has moved on to another request, this body is complete.
      if (connection_->generation() != generation_) return cb({}, {});
      connection_->readBody(std::move(cb));
    }
    void cancel() override {
      if (connection_->generation() == generation_) connection_->cancelBody();
    }

   private:
    std::shared_ptr<ClientConnection> connection_;
    uint64_t generation_;
  };

  // Back to the idle pool when the response of use `use` is complete and the
  // origin keeps the connection: the next request to this origin skips the
  // connect. A stale `use` (the connection already went back, and may carry
  // another request by now) does nothing.
  void release(uint64_t use) {
    if constexpr (kPlain) {
      if (use != generation_ || !poolable_ || cancelled_ || broken_ || !parser_ || !parser_->is_done() ||
          !parser_->keep_alive() || buffer_.size() != 0) {
        return;
      }
      poolable_ = false;
      ++generation_;
      asio::use_service<IdlePool>(ioc_).put(pool_key_, this->shared_from_this());
    }
  }

  void readBody(BodyReadCallback cb) {
    auto self = this->shared_from_this();
    if (cancelled_) {
      cb({}, "body read was cancelled");
      return;
    }
    if (broken_) {
      cb({}, body_error_.empty() ? "the origin connection failed" : body_error_);
      return;
    }
    const uint64_t use = generation_;
    if (!prefetched_.empty()) {
      // Bytes parsed with the head (already checked for what follows them).
      chunk_.swap(prefetched_);
      prefetched_.clear();
      cb(chunk_, {});
      if (parser_->is_done()) release(use);
      return;
    }
    if (parser_->is_done()) {
      cb({}, {});
      release(use);
      return;
    }
    chunk_.resize(kReadChunk);
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
    lowest().expires_after(body_timeout_);
    http::async_read_some(stream_, buffer_, *parser_,
                          [self, use, cb = std::move(cb)](beast::error_code ec, size_t) mutable {
                            self->onBodyRead(ec, use, std::move(cb));
                          });
  }

  void cancelBody() {
    if (cancelled_) return;
    cancelled_ = true;
    beast::error_code ec;
    lowest().socket().close(ec);
  }

 private:
  void onBodyRead(beast::error_code ec, uint64_t use, BodyReadCallback cb) {
    size_t got = chunk_.size() - parser_->get().body().size;
    if (ec == http::error::need_buffer) ec = {};
    // A close-delimited body ends at EOF.
    if (ec == http::error::end_of_stream || ec == asio::error::eof) {
      if (got > 0) {
        cb(std::string_view(chunk_.data(), got), {});
      } else {
        cb({}, parser_->is_done() ? "" : bodyFailed("connection closed: the origin closed the connection mid-body"));
      }
      return;
    }
    if (ec == beast::error::timeout) {
      cb({}, bodyFailed("response timeout: the origin sent no body bytes for " + millis(body_timeout_)));
      return;
    }
    if (ec && isParseError(ec)) {
      cb({}, bodyFailed("malformed response: " + ec.message()));
      return;
    }
    if (ec == http::error::partial_message || (ec && isClosed(ec))) {
      cb({}, bodyFailed("connection closed: the origin closed the connection mid-body"));
      return;
    }
    if (ec) {
      cb({}, bodyFailed("reading the response body failed: " + ec.message()));
      return;
    }
    if (parser_->is_done()) {
      // The last bytes are only handed on when nothing follows them: a
      // consumer that stores the body must never see it complete.
      if (std::string error = trailingBytes("the origin"); !error.empty()) {
        cb({}, bodyFailed(error));
        return;
      }
    }
    if (got == 0 && !parser_->is_done()) {
      readBody(std::move(cb));
      return;
    }
    if (got == 0) {
      cb({}, {});
      release(use);
      return;
    }
    cb(std::string_view(chunk_.data(), got), {});
    if (parser_->is_done()) release(use);
  }

  // Ends the connection after a body failure; returns `error` for the reader.
  const std::string& bodyFailed(std::string error) {
    broken_ = true;
    body_error_ = std::move(error);
    beast::error_code ignored;
    lowest().socket().close(ignored);
    return body_error_;
  }

  // Parses body bytes already in the read buffer into prefetched_; returns
  // an error message when they are malformed.
  std::string parseBuffered(const std::string& who) {
    while (!parser_->is_done() && buffer_.size() > 0) {
      size_t old = prefetched_.size();
      prefetched_.resize(old + kReadChunk);
      parser_->get().body().data = prefetched_.data() + old;
      parser_->get().body().size = kReadChunk;
      beast::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      size_t got = kReadChunk - parser_->get().body().size;
      prefetched_.resize(old + got);
      if (ec == http::error::need_buffer || ec == http::error::need_more) ec = {};
      if (ec) return "malformed response: " + who + ": " + ec.message();
      if (used == 0 && got == 0) break;  // needs more input
    }
    parser_->get().body().data = nullptr;
    parser_->get().body().size = 0;
    return {};
  }

  // Whether anything follows a complete response: bytes left in the read
  // buffer, or (plain connections) waiting in the socket. A well-behaved
  // origin sends nothing until the next request; anything else would be
  // read as the next response on this connection.
  std::string trailingBytes(const std::string& who) {
    bool extra = buffer_.size() > 0;
    // On TLS the socket may legitimately carry records (session tickets,
    // close_notify), so only decrypted bytes count there.
    if constexpr (kPlain) extra = extra || pending() > 0;
    if (!extra) return {};
    return "malformed response: " + who + " sent bytes after the end of the response";
  }

  asio::io_context& ioc_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::string chunk_;
  std::string prefetched_;  // body bytes that arrived with the head, not yet read
  std::string body_error_;
  std::chrono::milliseconds body_timeout_{100'000};
  bool cancelled_ = false;
  bool broken_ = false;  // failed or malformed: never reused
  bool poolable_ = false;
  std::string pool_key_;
  uint64_t generation_ = 0;  // bumped each time the connection goes back to the pool
};

std::shared_ptr<PlainConnection> IdlePool::take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    Idle idle = std::move(list.back());
    list.pop_back();
    if (now - idle.since < kMaxIdle && idle.connection->quiet()) return std::move(idle.connection);
  }
  return nullptr;
}

void IdlePool::put(const std::string& key, std::shared_ptr<PlainConnection> connection) {
  auto& list = idle_[key];
  if (list.size() >= kMaxIdlePerOrigin) list.erase(list.begin());  // the oldest goes
  list.push_back({std::move(connection), std::chrono::steady_clock::now()});
}

}  // namespace

FetchErrorKind fetchErrorKind(std::string_view error) {
  for (const auto& [prefix, kind] : kErrorPrefixes) {
    if (error.substr(0, prefix.size()) == prefix) return kind;
  }
  return FetchErrorKind::kOther;
}

void httpFetch(asio::io_context& ioc, ClientRequest request, FetchCallback callback) {
  ParsedUrl url;
  std::string error;
  if (!splitUrl(request.url, url, error)) {
    asio::post(ioc, [callback = std::move(callback), error] { callback(error, nullptr); });
    return;
  }
  // Exceptions inside the coroutine (bad_alloc, ...) become a fetch error.
  auto on_done = [callback](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      callback(std::string("internal error: ") + ex.what(), nullptr);
    }
  };
  if (url.tls) {
    auto conn = std::make_shared<ClientConnection<beast::ssl_stream<beast::tcp_stream>>>(ioc, clientTlsContext());
    // The completion handler owns the connection, so it lives until the
    // coroutine ends even when this is called from outside the loop.
    asio::co_spawn(ioc, conn->exchange(std::move(request), std::move(url), std::move(callback)),
                   [on_done, conn](std::exception_ptr e) { on_done(e); });
  } else {
    bool idempotent = request.method == "GET" || request.method == "HEAD";
    std::shared_ptr<PlainConnection> conn;
    if (idempotent) {
      auto& pool = asio::use_service<IdlePool>(ioc);
      std::string key = url.host + ":" + url.port;
      conn = pool.take(key);
      if (conn && request.egress) {
        // The pool is shared by every worker of this thread: the peer must be
        // allowed for this request too. If not, it stays for the others and
        // a fresh connect reports the refusal.
        beast::error_code ec;
        auto peer = conn->lowest().socket().remote_endpoint(ec);
        if (ec) {
          conn = nullptr;
        } else if (!request.egress->refusal(peer.address(), peer.port()).empty()) {
          pool.put(key, std::move(conn));
          conn = nullptr;
        }
      }
    }
    bool reused = conn != nullptr;
    if (!conn) conn = std::make_shared<PlainConnection>(ioc);
    // The completion handler owns the connection, so it lives until the
    // coroutine ends even when this is called from outside the loop.
    asio::co_spawn(ioc, conn->exchange(std::move(request), std::move(url), std::move(callback), reused),
                   [on_done, conn](std::exception_ptr e) { on_done(e); });
  }
}

}  // namespace verge::net
