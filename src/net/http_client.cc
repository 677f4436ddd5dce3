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

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace verge::net {
namespace {

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
    error = "URL has no scheme";
    return false;
  }
  std::string_view scheme = url.substr(0, colon);
  if (scheme == "http") out.tls = false;
  else if (scheme == "https") out.tls = true;
  else {
    error = "unsupported URL scheme '" + std::string(scheme) + "'";
    return false;
  }
  std::string_view rest = url.substr(colon + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "/" : rest.substr(path_start);
  if (size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  if (path.empty() || path[0] != '/') out.target = "/" + std::string(path);
  else out.target = std::string(path);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  out.host_header = std::string(authority);
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "bad IPv6 host";
      return false;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) {
    error = "URL has no host";
    return false;
  }
  out.host = std::string(host);
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  return true;
}

ssl::context& tlsContext() {
  // One context per thread: contexts are not shared across event loops.
  thread_local ssl::context ctx = [] {
    ssl::context c(ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(ssl::verify_peer);
    c.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                  ssl::context::no_tlsv1_1);
    return c;
  }();
  return ctx;
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
 public:
  template <class... Args>
  explicit ClientConnection(asio::io_context& ioc, Args&&... args)
      : ioc_(ioc), stream_(ioc, std::forward<Args>(args)...) {}

  Stream& stream() { return stream_; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  uint64_t generation() const { return generation_; }

  // Whether an idle connection can carry another request: still open, and
  // nothing unexpected waiting to be read.
  bool quiet() {
    char byte;
    ssize_t n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  // `reused`: the connection comes from the idle pool (already connected).
  asio::awaitable<void> exchange(ClientRequest req, ParsedUrl url, FetchCallback cb, bool reused = false) {
    auto self = this->shared_from_this();
    beast::error_code ec;
    auto fail = [&](std::string what) {
      if (ec) what += ": " + ec.message();
      cb(what, nullptr);
    };
    // A reused connection the origin closed meanwhile: start over on a new
    // one (only idempotent requests are sent on reused connections).
    auto retry = [&]() {
      auto fresh = std::make_shared<PlainConnection>(ioc_);
      asio::co_spawn(ioc_, fresh->exchange(std::move(req), std::move(url), std::move(cb)),
                     [fresh](std::exception_ptr) {});
    };
    poolable_ = std::is_same_v<Stream, beast::tcp_stream> && (req.method == "GET" || req.method == "HEAD");
    pool_key_ = url.host + ":" + url.port;
    if (!reused) {
      auto ex = co_await asio::this_coro::executor;
      tcp::resolver resolver(ex);
      auto endpoints = co_await resolver.async_resolve(url.host, url.port,
                                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return fail("cannot resolve " + url.host);
      lowest().expires_after(req.connect_timeout);
      co_await lowest().async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return fail("cannot connect to " + url.host_header);
      lowest().socket().set_option(tcp::no_delay(true), ec);
    }
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      if (!SSL_set_tlsext_host_name(stream_.native_handle(), url.host.c_str())) {
        co_return fail("TLS: cannot set SNI");
      }
      stream_.set_verify_callback(ssl::host_name_verification(url.host));
      co_await stream_.async_handshake(ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return fail("TLS handshake with " + url.host_header + " failed");
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
      if (iequals(h.name, "host")) has_host = true;
      if (iequals(h.name, "user-agent")) has_ua = true;
      out += h.name;
      out += ": ";
      out += h.value;
      out += "\r\n";
    }
    if (!has_host) out += "host: " + url.host_header + "\r\n";
    if (!has_ua) out += "user-agent: verge\r\n";
    bool method_has_body = !(req.method == "GET" || req.method == "HEAD");
    if (!req.body.empty() || method_has_body) {
      out += "content-length: " + std::to_string(req.body.size()) + "\r\n";
    }
    out += poolable_ ? "\r\n" : "connection: close\r\n\r\n";
    out += req.body;
    lowest().expires_after(req.response_timeout);
    co_await asio::async_write(stream_, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    if (ec && reused) co_return retry();
    if (ec) co_return fail("writing request to " + url.host_header + " failed");

    // Skip interim 1xx responses (except 101, which we do not request).
    for (;;) {
      parser_.emplace();
      parser_->body_limit(boost::none);
      parser_->header_limit(64 * 1024);
      if (req.method == "HEAD") parser_->skip(true);
      co_await http::async_read_header(stream_, buffer_, *parser_,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec && reused && buffer_.size() == 0) co_return retry();
      if (ec) co_return fail("reading response from " + url.host_header + " failed");
      int status = parser_->get().result_int();
      if (status >= 100 && status < 200 && status != 101) {
        continue;
      }
      break;
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
    if (parser_->is_done()) release(use);  // no body (HEAD, 204, 304, empty)
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
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      if (use != generation_ || !poolable_ || cancelled_ || !parser_ || !parser_->is_done() || !parser_->keep_alive() ||
          buffer_.size() != 0) {
        return;
      }
      poolable_ = false;
      ++generation_;
      asio::use_service<IdlePool>(ioc_).put(pool_key_, this->shared_from_this());
    }
  }

  void readBody(BodyReadCallback cb) {
    if (cancelled_) {
      cb({}, "body read was cancelled");
      return;
    }
    const uint64_t use = generation_;
    if (parser_->is_done()) {
      cb({}, {});
      release(use);
      return;
    }
    chunk_.resize(64 * 1024);
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
    lowest().expires_after(std::chrono::seconds(100));
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = this->shared_from_this(), use, cb = std::move(cb)](beast::error_code ec,
                                                                                 size_t) mutable {
                            size_t got = self->chunk_.size() - self->parser_->get().body().size;
                            if (ec == http::error::need_buffer) ec = {};
                            // A close-delimited body ends at EOF.
                            if (ec == http::error::end_of_stream || ec == asio::error::eof) {
                              if (got > 0) {
                                cb(std::string_view(self->chunk_.data(), got), {});
                              } else {
                                cb({}, self->parser_->is_done() ? "" : "origin closed the connection mid-body");
                              }
                              return;
                            }
                            if (ec) {
                              cb({}, "reading response body failed: " + ec.message());
                              return;
                            }
                            if (got == 0 && !self->parser_->is_done()) {
                              self->readBody(std::move(cb));
                              return;
                            }
                            if (got == 0) {
                              cb({}, {});
                              self->release(use);
                              return;
                            }
                            cb(std::string_view(self->chunk_.data(), got), {});
                            if (self->parser_->is_done()) self->release(use);
                          });
  }

  void cancelBody() {
    if (cancelled_) return;
    cancelled_ = true;
    beast::error_code ec;
    lowest().socket().close(ec);
  }

 private:
  asio::io_context& ioc_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::string chunk_;
  bool cancelled_ = false;
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
    auto conn = std::make_shared<ClientConnection<beast::ssl_stream<beast::tcp_stream>>>(ioc, tlsContext());
    // The completion handler owns the connection, so it lives until the
    // coroutine ends even when this is called from outside the loop.
    asio::co_spawn(ioc, conn->exchange(std::move(request), std::move(url), std::move(callback)),
                   [on_done, conn](std::exception_ptr e) { on_done(e); });
  } else {
    bool idempotent = request.method == "GET" || request.method == "HEAD";
    std::shared_ptr<PlainConnection> conn;
    if (idempotent) conn = asio::use_service<IdlePool>(ioc).take(url.host + ":" + url.port);
    bool reused = conn != nullptr;
    if (!conn) conn = std::make_shared<PlainConnection>(ioc);
    // The completion handler owns the connection, so it lives until the
    // coroutine ends even when this is called from outside the loop.
    asio::co_spawn(ioc, conn->exchange(std::move(request), std::move(url), std::move(callback), reused),
                   [on_done, conn](std::exception_ptr e) { on_done(e); });
  }
}

}  // namespace verge::net
