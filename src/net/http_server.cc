#include "net/http_server.h"

#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <list>
#include <stdexcept>

#include "base/log.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace verge::net {

namespace {

using Clock = std::chrono::steady_clock;

class Connection;

// Per-thread bookkeeping the connections report into, so that graceful
// shutdown knows when a thread has nothing left in flight.
struct ThreadCounters {
  int active_exchanges = 0;
  std::list<std::weak_ptr<Connection>> connections;
};

std::string hexSize(size_t n) {
  char buf[24];
  int len = std::snprintf(buf, sizeof buf, "%zx\r\n", n);
  return std::string(buf, static_cast<size_t>(len));
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, int thread, EventLoop& loop, const HttpServer::Options& options,
             const Handler& handler, ThreadCounters& counters, const std::atomic<bool>& stopping)
      : stream_(std::move(socket)),
        thread_(thread),
        loop_(loop),
        options_(options),
        handler_(handler),
        counters_(counters),
        stopping_(stopping) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  asio::awaitable<void> run();

  // Closes the connection if it is idle between requests (used by shutdown).
  void closeIfIdle() {
    if (!in_exchange_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

  beast::tcp_stream& stream() { return stream_; }
  beast::flat_buffer& buffer() { return buffer_; }
  const HttpServer::Options& options() const { return options_; }
  int thread() const { return thread_; }
  EventLoop& loop() { return loop_; }
  const std::string& remote() const { return remote_; }

 public:
  class ExchangeImpl;

 private:
  asio::awaitable<void> writeErrorAndClose(int status, std::string_view message);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  int thread_;
  EventLoop& loop_;
  const HttpServer::Options& options_;
  const Handler& handler_;
  ThreadCounters& counters_;
  const std::atomic<bool>& stopping_;
  std::string remote_;
  bool in_exchange_ = false;
};

// The request body as a BodySource, read straight off the parser.
class RequestBody;

class Connection::ExchangeImpl : public Exchange, public std::enable_shared_from_this<ExchangeImpl> {
 public:
  using Parser = http::request_parser<http::buffer_body>;

  ExchangeImpl(std::shared_ptr<Connection> conn, std::unique_ptr<Parser> parser, RequestHead head,
               bool expect_continue)
      : conn_(std::move(conn)),
        parser_(std::move(parser)),
        head_(std::move(head)),
        expect_continue_(expect_continue),
        done_timer_(conn_->stream().get_executor()),
        start_(Clock::now()) {
    done_timer_.expires_at(asio::steady_timer::time_point::max());
    is_head_ = head_.method == "HEAD";
  }

  const RequestHead& head() const override { return head_; }
  EventLoop& loop() override { return conn_->loop(); }
  asio::io_context& ioContext() override {
    return static_cast<asio::io_context&>(conn_->stream().get_executor().context());
  }

  std::shared_ptr<BodySource> body() override;

  void writeHead(int status, const HeaderList& headers,
                 std::optional<uint64_t> content_length) override {
    if (head_written_ || closed_) return;
    head_written_ = true;
    status_ = status;
    // 1xx, 204 and 304 never carry a body (RFC 9112 §6.3).
    bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (no_body) content_length.reset();
    chunked_ = !no_body && !content_length && head_.version >= 11;
    close_delimited_ = !no_body && !content_length && head_.version < 11;
    if (close_delimited_) keep_alive_ = false;
    if (conn_stopping()) keep_alive_ = false;

    std::string& out = pending_;
    out.reserve(256);
    out += head_.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    out += std::to_string(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
    for (const auto& h : headers) {
      // The framing headers are ours to decide.
      if (iequals(h.name, "content-length") || iequals(h.name, "transfer-encoding") ||
          iequals(h.name, "connection") || iequals(h.name, "keep-alive")) {
        continue;
      }
      out += h.name;
      out += ": ";
      out += h.value;
      out += "\r\n";
    }
    if (content_length) {
      out += "content-length: ";
      out += std::to_string(*content_length);
      out += "\r\n";
      remaining_length_ = *content_length;
    } else if (chunked_ && !is_head_) {
      out += "transfer-encoding: chunked\r\n";
    } else if (chunked_ && is_head_) {
      // A HEAD response describes the GET one; say it would have been chunked.
      out += "transfer-encoding: chunked\r\n";
    }
    if (!keep_alive_) out += "connection: close\r\n";
    else if (head_.version < 11) out += "connection: keep-alive\r\n";
    out += "\r\n";
  }

  void writeBody(std::string_view data, std::function<void(bool)> done) override {
    queueBody(data, nullptr, std::move(done));
  }

  void writeBodyShared(std::string_view data, std::shared_ptr<const void> owner) override {
    queueBody(data, std::move(owner), nullptr);
  }

  // Queues body bytes: copied into the pending buffer, or, with an `owner`
  // keeping them alive, referenced and written with gather I/O (no copy).
  void queueBody(std::string_view data, std::shared_ptr<const void> owner, std::function<void(bool)> done) {
    if (closed_ || !head_written_ || finished_) {
      if (done) done(false);
      return;
    }
    if (!data.empty() && !is_head_ && status_ != 204 && status_ != 304) {
      if (remaining_length_) {
        // Never send more than the announced length: the peer would read the
        // excess as the next response.
        if (data.size() > *remaining_length_) data = data.substr(0, *remaining_length_);
        *remaining_length_ -= data.size();
      }
      if (chunked_) pending_ += hexSize(data.size());
      if (owner && data.size() >= kReferenceMinBytes) {
        sealPending();
        queue_.push_back(Piece{{}, data, std::move(owner)});
      } else {
        pending_.append(data.data(), data.size());
      }
      if (chunked_) pending_ += "\r\n";
      bytes_sent_ += data.size();
    }
    if (done) pending_callbacks_.push_back(std::move(done));
    flush();
  }

  void finish() override {
    if (finished_ || closed_) return;
    if (!head_written_) writeHead(500, {}, 0);
    finished_ = true;
    if (remaining_length_ && *remaining_length_ > 0 && !is_head_) {
      // The producer sent less than it announced: the framing is broken, so
      // the only honest thing left is to close the connection.
      keep_alive_ = false;
      completed_ = false;
    }
    if (chunked_ && !is_head_) pending_ += "0\r\n\r\n";
    flush();
  }

  void abort() override {
    if (closed_) return;
    finished_ = true;
    completed_ = false;
    keep_alive_ = false;
    closeNow();
  }

  bool headWritten() const override { return head_written_; }
  bool closed() const override { return closed_ || finished_; }
  void setLogNote(std::string note) override { note_ = std::move(note); }

  // Waits until the exchange is finished and flushed (or aborted).
  asio::awaitable<void> waitDone() {
    if (!done_) {
      beast::error_code ec;
      co_await done_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  bool keepAlive() const { return keep_alive_ && completed_ && !closed_; }
  Parser& parser() { return *parser_; }
  bool sendContinueIfNeeded(std::function<void(bool)> then);
  void markBodyError() { keep_alive_ = false; }

  void logAccess() {
    if (!conn_->options().access_log) return;
    AccessRecord r{&head_,
                   status_,
                   bytes_sent_,
                   std::chrono::duration<double, std::milli>(Clock::now() - start_).count(),
                   note_,
                   completed_ && !closed_};
    conn_->options().access_log(conn_->thread(), r);
  }

  void setKeepAlive(bool v) { keep_alive_ = v; }
  void noteClosedByPeer() {
    closed_ = true;
    completed_ = false;
    signalDone();
  }

 private:
  bool conn_stopping() const;

  // Output waiting to be written: owned bytes, or bytes someone else owns.
  struct Piece {
    std::string owned;
    std::string_view ref;
    std::shared_ptr<const void> owner;
    std::string_view bytes() const { return owner ? ref : std::string_view(owned); }
  };
  // Smaller shared bodies are cheaper to copy than to gather.
  static constexpr size_t kReferenceMinBytes = 16 * 1024;

  // Moves the pending bytes into the queue, ahead of a referenced piece.
  void sealPending() {
    if (pending_.empty()) return;
    queue_.push_back(Piece{std::move(pending_), {}, nullptr});
    pending_.clear();
  }

  void flush() {
    if (writing_ || closed_) return;
    if (pending_.empty() && queue_.empty()) {
      runCallbacks(std::move(pending_callbacks_), true);
      pending_callbacks_.clear();
      if (finished_) signalDone();
      return;
    }
    writing_ = true;
    if (queue_.empty()) {
      inflight_.swap(pending_);
      pending_.clear();
    } else {
      sealPending();
      inflight_queue_.swap(queue_);
      queue_.clear();
    }
    auto callbacks = std::move(pending_callbacks_);
    pending_callbacks_.clear();
    conn_->stream().expires_after(conn_->options().limits.idle_timeout);
    auto on_written = [self = shared_from_this(), callbacks = std::move(callbacks)](
                          beast::error_code ec, size_t) mutable {
                        self->writing_ = false;
                        self->inflight_.clear();
                        self->inflight_queue_.clear();
                        if (ec) {
                          self->closeNow();
                          runCallbacks(std::move(callbacks), false);
                          return;
                        }
                        runCallbacks(std::move(callbacks), true);
                        self->flush();
                      };
    if (inflight_queue_.empty()) {
      asio::async_write(conn_->stream(), asio::buffer(inflight_), std::move(on_written));
    } else {
      std::vector<asio::const_buffer> buffers;
      buffers.reserve(inflight_queue_.size());
      for (const auto& piece : inflight_queue_) buffers.emplace_back(piece.bytes().data(), piece.bytes().size());
      asio::async_write(conn_->stream(), buffers, std::move(on_written));
    }
  }

  static void runCallbacks(std::vector<std::function<void(bool)>> callbacks, bool ok) {
    for (auto& cb : callbacks) cb(ok);
  }

  void closeNow() {
    if (closed_) return;
    closed_ = true;
    completed_ = false;
    beast::error_code ec;
    conn_->stream().socket().shutdown(tcp::socket::shutdown_both, ec);
    conn_->stream().socket().close(ec);
    auto callbacks = std::move(pending_callbacks_);
    pending_callbacks_.clear();
    runCallbacks(std::move(callbacks), false);
    signalDone();
  }

  void signalDone() {
    if (done_) return;
    done_ = true;
    done_timer_.cancel();
  }

  std::shared_ptr<Connection> conn_;
  std::unique_ptr<Parser> parser_;
  RequestHead head_;
  bool expect_continue_;
  bool continue_sent_ = false;
  asio::steady_timer done_timer_;
  Clock::time_point start_;
  std::shared_ptr<BodySource> body_;

  std::string pending_;
  std::string inflight_;
  std::vector<Piece> queue_;           // non-empty once a referenced piece is queued
  std::vector<Piece> inflight_queue_;
  std::vector<std::function<void(bool)>> pending_callbacks_;
  bool writing_ = false;
  bool head_written_ = false;
  bool finished_ = false;
  bool closed_ = false;
  bool done_ = false;
  bool completed_ = true;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool close_delimited_ = false;
  bool is_head_ = false;
  std::optional<uint64_t> remaining_length_;
  int status_ = 0;
  uint64_t bytes_sent_ = 0;
  std::string note_;

  friend class Connection;
  friend class RequestBody;
};

class RequestBody : public BodySource {
 public:
  explicit RequestBody(std::weak_ptr<Connection::ExchangeImpl> ex) : exchange_(std::move(ex)) {}

  void read(BodyReadCallback cb) override {
    auto ex = exchange_.lock();
    if (!ex || cancelled_ || ex->closed_) {
      cb({}, "request body is no longer available");
      return;
    }
    if (ex->parser().is_done()) {
      cb({}, {});
      return;
    }
    if (ex->expect_continue_ && !ex->continue_sent_) {
      ex->continue_sent_ = true;
      // The interim response goes out before any final response bytes.
      auto msg = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      asio::async_write(ex->conn_->stream(), asio::buffer(*msg),
                        [self = std::static_pointer_cast<RequestBody>(ex->body_), msg,
                         cb = std::move(cb)](
                            beast::error_code ec, size_t) mutable {
                          if (ec) {
                            cb({}, "client went away");
                            return;
                          }
                          self->readMore(std::move(cb));
                        });
      return;
    }
    readMore(std::move(cb));
  }

  void cancel() override { cancelled_ = true; }

 private:
  // `ex->body_` is this object: the exchange owns its body source.
  void readMore(BodyReadCallback cb) {
    auto ex = exchange_.lock();
    if (!ex || ex->closed_) {
      cb({}, "request body is no longer available");
      return;
    }
    auto& parser = ex->parser();
    if (parser.is_done()) {
      cb({}, {});
      return;
    }
    chunk_.resize(64 * 1024);
    parser.get().body().data = chunk_.data();
    parser.get().body().size = chunk_.size();
    ex->conn_->stream().expires_after(ex->conn_->options().limits.idle_timeout);
    http::async_read_some(
        ex->conn_->stream(), ex->conn_->buffer(), parser,
        [self = std::static_pointer_cast<RequestBody>(ex->body_), ex, cb = std::move(cb)](
            beast::error_code ec, size_t) mutable {
          auto& p = ex->parser();
          size_t got = self->chunk_.size() - p.get().body().size;
          if (ec == http::error::need_buffer) ec = {};
          if (ec) {
            ex->markBodyError();
            if (ec == http::error::body_limit) {
              cb({}, "request body exceeds the configured limit");
            } else {
              cb({}, "client closed the connection while sending the body");
            }
            return;
          }
          if (got == 0 && !p.is_done()) {
            self->readMore(std::move(cb));
            return;
          }
          if (got == 0) {
            cb({}, {});
            return;
          }
          cb(std::string_view(self->chunk_.data(), got), {});
        });
  }

  std::weak_ptr<Connection::ExchangeImpl> exchange_;
  std::string chunk_;
  bool cancelled_ = false;
};

std::shared_ptr<BodySource> Connection::ExchangeImpl::body() {
  if (!head_.has_body) return nullptr;
  if (!body_) body_ = std::make_shared<RequestBody>(weak_from_this());
  return body_;
}

bool Connection::ExchangeImpl::conn_stopping() const { return conn_->stopping_.load(); }

asio::awaitable<void> Connection::writeErrorAndClose(int status, std::string_view message) {
  std::string body(message);
  body += "\n";
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reasonPhrase(status)) +
                    "\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: " +
                    std::to_string(body.size()) + "\r\nconnection: close\r\n\r\n" + body;
  beast::error_code ec;
  stream_.expires_after(std::chrono::seconds(5));
  co_await asio::async_write(stream_, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

asio::awaitable<void> Connection::run() {
  auto self = shared_from_this();
  const auto& limits = options_.limits;
  while (!stopping_.load()) {
    auto parser = std::make_unique<ExchangeImpl::Parser>();
    parser->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser->body_limit(limits.max_body_bytes);

    // The whole head must arrive within header_timeout (slowloris), but an
    // idle keep-alive connection may wait idle_timeout for its first byte.
    beast::error_code ec;
    stream_.expires_after(buffer_.size() > 0 ? limits.header_timeout : limits.idle_timeout);
    if (buffer_.size() == 0) {
      size_t n = co_await stream_.async_read_some(buffer_.prepare(4096),
                                                  asio::redirect_error(asio::use_awaitable, ec));
      buffer_.commit(n);
      if (ec || stopping_.load()) break;
      stream_.expires_after(limits.header_timeout);
    }
    co_await http::async_read_header(stream_, buffer_, *parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::error::eof) {
        break;
      }
      if (ec == http::error::header_limit) {
        co_await writeErrorAndClose(431, "Request header fields too large");
      } else if (ec == http::error::body_limit) {
        co_await writeErrorAndClose(413, "Request body too large");
      } else {
        co_await writeErrorAndClose(400, "Bad request: " + ec.message());
      }
      co_return;
    }

    auto& req = parser->get();
    RequestHead head;
    head.method = std::string(req.method_string());
    head.target = std::string(req.target());
    head.version = req.version();
    head.remote_addr = remote_;
    size_t count = 0;
    for (const auto& f : req) {
      head.headers.push_back({std::string(f.name_string()), std::string(f.value())});
      ++count;
    }
    // absolute-form ("GET http://host/path"): the target's authority is the
    // Host (RFC 9112 §3.2.2), and everything above sees origin-form.
    if (head.target.rfind("http://", 0) == 0 || head.target.rfind("https://", 0) == 0) {
      size_t start = head.target.find("//") + 2;
      size_t slash = head.target.find_first_of("/?", start);
      std::string authority = head.target.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      std::string path = slash == std::string::npos ? "/" : head.target.substr(slash);
      if (path[0] == '?') path.insert(0, "/");
      std::erase_if(head.headers, [](const HeaderPair& h) { return iequals(h.name, "host"); });
      head.headers.push_back({"host", authority});
      head.target = std::move(path);
    }
    if (count > limits.max_header_count) {
      co_await writeErrorAndClose(431, "Too many request header fields");
      co_return;
    }
    if (req.version() != 10 && req.version() != 11) {
      co_await writeErrorAndClose(505, "HTTP version not supported");
      co_return;
    }
    auto cl = parser->content_length();
    if (cl) head.content_length = *cl;
    head.has_body = parser->chunked() || (cl && *cl > 0);
    bool expect_continue = false;
    if (auto e = findHeader(head.headers, "expect")) {
      if (iequals(*e, "100-continue") && req.version() >= 11) {
        expect_continue = true;
      } else {
        co_await writeErrorAndClose(417, "Unsupported Expect header");
        co_return;
      }
    }
    bool keep_alive = parser->keep_alive();

    auto exchange = std::make_shared<ExchangeImpl>(self, std::move(parser), std::move(head),
                                                   expect_continue);
    exchange->setKeepAlive(keep_alive && !stopping_.load());
    in_exchange_ = true;
    ++counters_.active_exchanges;
    try {
      handler_(exchange);
    } catch (const std::exception& e) {
      base::logLine(base::LogLevel::kError, std::string("internal: handler threw: ") + e.what());
      if (!exchange->headWritten()) exchange->writeHead(500, {}, 0);
      exchange->finish();
    }
    co_await exchange->waitDone();
    --counters_.active_exchanges;
    in_exchange_ = false;
    exchange->logAccess();
    bool reuse = exchange->keepAlive();
    if (reuse && !exchange->parser().is_done()) {
      // The handler did not consume the body. Drain a little so the
      // connection can be reused; a large unread body closes it instead.
      if (!exchange->head_.content_length || *exchange->head_.content_length > 64 * 1024) {
        reuse = false;
      } else {
        auto& p = exchange->parser();
        char sink[8192];
        while (!p.is_done() && !ec) {
          p.get().body().data = sink;
          p.get().body().size = sizeof sink;
          stream_.expires_after(limits.idle_timeout);
          co_await http::async_read_some(stream_, buffer_, p,
                                         asio::redirect_error(asio::use_awaitable, ec));
          if (ec == http::error::need_buffer) ec = {};
        }
        if (ec) reuse = false;
      }
    }
    if (!reuse) break;
  }
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

}  // namespace

// Graceful shutdown of one thread: polls until it has nothing in flight (or
// the deadline passes), then closes what is left and stops its loop. Owned
// by its own pending timer wait, so it lives exactly as long as it polls.
struct HttpServer::Drainer : std::enable_shared_from_this<Drainer> {
  Drainer(HttpServer& server, ThreadState& thread, Clock::time_point deadline);
  void check();

  HttpServer& server;
  ThreadState& thread;
  Clock::time_point deadline;
  asio::steady_timer timer;
};

namespace {
std::string htmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}
}  // namespace

void sendErrorPage(Exchange& exchange, int status, int code, std::string_view title,
                   std::string_view detail) {
  if (exchange.closed()) return;
  if (exchange.headWritten()) {
    exchange.abort();
    return;
  }
  std::string heading = "Error " + std::to_string(code);
  std::string body = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + heading + ": " +
                     htmlEscape(title) + "</title></head>\n<body><h1>" + heading + "</h1><h2>" +
                     htmlEscape(title) + "</h2><p>" + htmlEscape(detail) +
                     "</p><p><small>verge</small></p></body></html>\n";
  exchange.writeHead(status, {{"content-type", "text/html; charset=utf-8"}, {"cache-control", "no-store"}},
                     body.size());
  exchange.writeBody(body, nullptr);
  exchange.finish();
}

struct HttpServer::ThreadState {
  int index = 0;
  EventLoop* loop = nullptr;
  std::unique_ptr<tcp::acceptor> acceptor;
  ThreadCounters counters;
  // Prunes the weak connection list now and then so it does not grow forever.
  std::unique_ptr<asio::steady_timer> prune;
};

HttpServer::Drainer::Drainer(HttpServer& s, ThreadState& t, Clock::time_point d)
    : server(s), thread(t), deadline(d), timer(t.loop->context()) {}

void HttpServer::Drainer::check() {
  bool busy = thread.counters.active_exchanges > 0 ||
              (server.options_.has_background_work && server.options_.has_background_work(thread.index));
  if (busy && Clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->check();
    });
    return;
  }
  for (auto& w : thread.counters.connections) {
    if (auto c = w.lock()) {
      beast::error_code ec;
      c->stream().socket().close(ec);
    }
  }
  thread.loop->stop();
}

HttpServer::HttpServer(Options options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  if (options_.threads < 1) options_.threads = 1;
}

HttpServer::~HttpServer() {
  // Sockets and timers belong to the loops: close them before the loops go.
  threads_.clear();
  loops_.reset();
}

void HttpServer::bind() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + options_.host + "'");
  uint16_t port = options_.port;
  loops_ = std::make_unique<LoopGroup>(options_.threads);
  for (int i = 0; i < options_.threads; ++i) {
    auto t = std::make_unique<ThreadState>();
    t->index = i;
    t->loop = &loops_->loop(i);
    auto acc = std::make_unique<tcp::acceptor>(t->loop->context());
    tcp::endpoint ep(address, port);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      // One listener per loop on the same port: the kernel spreads new
      // connections across them, so loops share nothing on accept.
      int one = 1;
      if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        ec = beast::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(port) +
                               ": " + ec.message());
    }
    // With port 0 the first listener picks the port; the rest join it.
    if (port == 0) port = acc->local_endpoint().port();
    t->acceptor = std::move(acc);
    threads_.push_back(std::move(t));
  }
  port_ = port;
}

EventLoop& HttpServer::loop(int i) { return loops_->loop(i); }
asio::io_context& HttpServer::ioContext(int i) { return loops_->loop(i).context(); }

namespace {
void schedulePrune(asio::steady_timer& timer, ThreadCounters& counters, const std::atomic<bool>& stopping) {
  timer.expires_after(std::chrono::seconds(5));
  timer.async_wait([&timer, &counters, &stopping](beast::error_code ec) {
    if (ec || stopping.load()) return;
    counters.connections.remove_if([](const auto& w) { return w.expired(); });
    schedulePrune(timer, counters, stopping);
  });
}
}  // namespace

// On the loop's first carrier: the accept loop and the prune timer.
void HttpServer::startLoop(ThreadState& t) {
  if (options_.on_loop_start) options_.on_loop_start(t.index);
  asio::io_context& ioc = t.loop->context();
  asio::co_spawn(
      ioc,
      [this, &t, &ioc]() -> asio::awaitable<void> {
        while (!stopping_.load()) {
          beast::error_code ec;
          tcp::socket socket = co_await t.acceptor->async_accept(
              asio::redirect_error(asio::use_awaitable, ec));
          if (ec) {
            if (stopping_.load() || ec == asio::error::operation_aborted) break;
            // EMFILE and friends: back off briefly instead of spinning.
            asio::steady_timer pause(ioc, std::chrono::milliseconds(10));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
          }
          auto conn = std::make_shared<Connection>(std::move(socket), t.index, *t.loop, options_,
                                                   handler_, t.counters, stopping_);
          t.counters.connections.push_back(conn);
          asio::co_spawn(ioc, conn->run(), asio::detached);
        }
      },
      asio::detached);
  t.prune = std::make_unique<asio::steady_timer>(ioc);
  schedulePrune(*t.prune, t.counters, stopping_);
}

void HttpServer::run() {
  LoopGroup::Hooks hooks;
  hooks.on_start = [this](int i) { startLoop(*threads_[static_cast<size_t>(i)]); };
  hooks.on_all_stopped = options_.on_loops_stopped;
  hooks.on_finish = [this](int i) {
    threads_[static_cast<size_t>(i)]->prune.reset();
    if (options_.on_loop_finish) options_.on_loop_finish(i);
  };
  loops_->run(std::move(hooks));
}

void HttpServer::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& tp : threads_) {
    ThreadState* t = tp.get();
    t->loop->post([this, t] {
      beast::error_code ec;
      t->acceptor->close(ec);
      for (auto& w : t->counters.connections) {
        if (auto c = w.lock()) c->closeIfIdle();
      }
      // Poll until in-flight exchanges and background work are done, or the
      // drain deadline passes; then stop the loop.
      std::make_shared<Drainer>(*this, *t, Clock::now() + options_.drain_timeout)->check();
    });
  }
}

}  // namespace verge::net
