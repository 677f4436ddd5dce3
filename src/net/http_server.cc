#include "net/http_server.h"

#include <algorithm>
#include <array>
#include <deque>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <list>
#include <stdexcept>

#include "base/log.h"
#include "net/request_reader.h"
#include "net/server_sockets.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace verge::net {

// The connection cap of one server. Every Connection holds a share of it
// from accept until it is destroyed (its descriptor closed).
struct ConnectionBudget {
  size_t max = 0;
  std::atomic<size_t> open{0};
  // Connections being refused with a lingering 503 (bounded: each holds a
  // descriptor for up to kRefuseLinger).
  std::atomic<size_t> refusing{0};

  bool tryTake() {
    if (open.fetch_add(1) >= max) {
      open.fetch_sub(1);
      return false;
    }
    return true;
  }
  void give() { open.fetch_sub(1); }
};

namespace {

using Clock = std::chrono::steady_clock;

class Connection;

// Per-thread bookkeeping the connections report into, so that graceful
// shutdown knows when a thread has nothing left in flight.
struct ThreadCounters {
  // Requests in progress: from the first byte of a request until its
  // exchange is over (the name predates that: it used to count only the
  // handler's part). Shutdown waits for this to reach 0.
  int active_exchanges = 0;
  std::list<std::weak_ptr<Connection>> connections;
  std::shared_ptr<ConnectionBudget> budget;
  // Freed when accept() runs out of descriptors (see recoverFromAcceptError).
  ReserveFd reserve;
  EventLoop* loop = nullptr;  // the loop these connections belong to
};

// A refusal small enough to be written in one non-blocking send.
const std::string kBusyResponse =
    "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    "content-length: 42\r\nretry-after: 2\r\nconnection: close\r\n\r\n"
    "The node has too many open connections.\r\n\r\n";
constexpr size_t kMaxRefusing = 64;
constexpr auto kRefuseLinger = std::chrono::seconds(1);
// After an error answer, how long to keep reading (and dropping) what the
// client still sends, so that closing does not reset the connection and
// destroy the answer before the client has read it.
constexpr auto kErrorLinger = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = 1 << 20;

std::string hexSize(size_t n) {
  char buf[24];
  int len = std::snprintf(buf, sizeof buf, "%zx\r\n", n);
  return std::string(buf, static_cast<size_t>(len));
}

// Read errors that mean the peer (or our own timeout) ended the connection:
// there is nobody to answer.
bool isDisconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::eof ||
         ec == asio::error::bad_descriptor || ec == asio::error::broken_pipe;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, int thread, const HttpServer::Options& options,
             const Handler& handler, ThreadCounters& counters, const std::atomic<bool>& stopping)
      : stream_(std::move(socket)),
        thread_(thread),
        loop_(*counters.loop),
        options_(options),
        handler_(handler),
        counters_(counters),
        stopping_(stopping),
        budget_(counters.budget),
        accepted_(Clock::now()) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // Responses are first written directly (ExchangeImpl::flush); a socket
    // buffer that is full must answer would_block, not stall the loop.
    stream_.socket().non_blocking(true, ec);
  }

  ~Connection() {
    if (budget_) budget_->give();
  }

  asio::awaitable<void> run();

  // Shutdown has begun (called on the connection's thread). A request being
  // read or served goes on; a connection between requests whose next
  // request has (partly) arrived is served; an idle one is woken so that
  // run() closes it.
  void onServerStop() {
    if (upgraded_) upgradedStopping();
    if (counted_ || closing_) return;
    if (hasRequestBytes()) {
      beginRequest();
      return;
    }
    if (idle_wait_) {
      beast::error_code ec;
      stream_.socket().cancel(ec);
    }
  }

  // Counts this connection's current request for graceful shutdown, from its
  // first byte. Idempotent.
  void beginRequest() {
    if (counted_) return;
    counted_ = true;
    ++counters_.active_exchanges;
  }
  void endRequest() {
    if (!counted_) return;
    counted_ = false;
    --counters_.active_exchanges;
  }

  // Whether the next request has started arriving: bytes already read into
  // our buffer (pipelined) or waiting in the kernel.
  bool hasRequestBytes() {
    if (buffer_.size() > 0) return true;
    if (!stream_.socket().is_open()) return false;
    return readableBytes(stream_.socket().native_handle()) > 0;
  }

  beast::tcp_stream& stream() { return stream_; }
  beast::flat_buffer& buffer() { return buffer_; }
  const HttpServer::Options& options() const { return options_; }
  int thread() const { return thread_; }
  EventLoop& loop() { return loop_; }
  const std::string& remote() const { return remote_; }
  bool stopping() const { return stopping_.load(); }
  // Close with a lingering read: the client may still be sending.
  void setLinger() { linger_ = true; }

 public:
  class ExchangeImpl;
  class Upgraded;

 private:
  void upgradedStopping();
  asio::awaitable<bool> waitForRequest(bool first);
  asio::awaitable<bool> serveRequest();
  asio::awaitable<bool> drainBody(RequestParser& parser);
  asio::awaitable<void> writeErrorAndClose(int status, std::string_view message);
  asio::awaitable<void> close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  int thread_;
  EventLoop& loop_;
  const HttpServer::Options& options_;
  const Handler& handler_;
  ThreadCounters& counters_;
  const std::atomic<bool>& stopping_;
  std::shared_ptr<ConnectionBudget> budget_;
  Clock::time_point accepted_;
  std::string remote_;
  bool counted_ = false;    // a request is in progress (counted in active_exchanges)
  bool idle_wait_ = false;  // waiting for the first byte of the next request
  bool linger_ = false;
  bool closing_ = false;    // run() is past its last request
  std::shared_ptr<Upgraded> upgraded_;  // after a 101: the connection's bytes
};

// The connection after a 101: the DuplexStream an upgrade hands out. It
// reads and writes only once the 101 itself is written (start()).
class Connection::Upgraded : public DuplexStream, public std::enable_shared_from_this<Upgraded> {
 public:
  explicit Upgraded(std::shared_ptr<Connection> conn)
      : conn_(std::move(conn)), done_(conn_->stream().get_executor()), linger_(conn_->stream().get_executor()) {
    done_.expires_at(asio::steady_timer::time_point::max());
  }

  EventLoop& loop() override { return conn_->loop(); }

  void read(std::function<void(std::string_view, bool)> callback) override {
    if (closed_) {
      callback({}, true);
      return;
    }
    reader_ = std::move(callback);
    if (started_) readNow();
  }

  void write(std::string data, std::function<void(bool)> done) override {
    if (closed_ || close_requested_) {
      if (done) done(false);
      return;
    }
    queue_.push_back({std::move(data), std::move(done)});
    flush();
  }

  void close() override {
    close_requested_ = true;
    if (!writing_ && queue_.empty()) linger();
  }

  void onServerStop(std::function<void()> handler) override { stop_handler_ = std::move(handler); }

  // The 101 is written: bytes may flow.
  void start() {
    started_ = true;
    // WebSockets and tunnels may be idle for long; their owner decides.
    conn_->stream().expires_never();
    // Reads are made once the socket is readable (readNow); a read that
    // finds nothing after all must return, not block the loop.
    beast::error_code ec;
    conn_->stream().socket().non_blocking(true, ec);
    if (reader_) readNow();
    flush();
    if (close_requested_ && queue_.empty() && !writing_) linger();
  }
  void serverStopping() {
    if (auto handler = std::move(stop_handler_)) handler();
  }
  // Until the connection is closed.
  asio::awaitable<void> wait() {
    if (closed_) co_return;
    beast::error_code ec;
    co_await done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

 private:
  void readNow() {
    if (in_callback_) {
      // The reader asked again from inside its callback, whose bytes live
      // in the buffer the next read would fill: start it on the way out.
      read_again_ = true;
      return;
    }
    auto& buffer = conn_->buffer();
    if (buffer.size() > 0) {
      // Bytes that came behind the request head (or a read the reader asked
      // for again before taking all of the last).
      deliver(buffer.size());
      return;
    }
    // Read into the connection's own buffer with async_read_some: asio
    // tries the read at once and otherwise waits on the socket's standing
    // epoll registration. (async_wait(wait_read) costs an epoll_ctl per
    // read, a third of the system calls of a WebSocket echo.) The buffer
    // starts at what reading the request head left it, grows while reads
    // fill it and shrinks back after many reads that used little of it, so
    // an idle socket holds about a kilobyte.
    read_outstanding_ = true;
    size_t want = std::max(read_size_, buffer.capacity());
    conn_->stream().socket().async_read_some(
        buffer.prepare(want), [self = shared_from_this(), want](beast::error_code ec, size_t n) {
          self->read_outstanding_ = false;
          auto& buffer = self->conn_->buffer();
          if (ec || n == 0) {
            if (auto cb = std::move(self->reader_)) cb({}, true);
            if (self->lingering_ && !self->read_outstanding_) self->discard();
            return;
          }
          buffer.commit(n);
          if (n == want) {
            self->read_size_ = std::min(want * 2, kMaxReadSize);
            self->small_reads_ = 0;
          } else if (n >= want / 8) {
            self->small_reads_ = 0;
          } else if (want > kMinReadSize && ++self->small_reads_ == kSmallReadsToShrink) {
            // Only small reads for a while: the big messages are over.
            self->read_size_ = kMinReadSize;
            self->small_reads_ = 0;
            self->shrink_ = true;
          }
          self->deliver(n);
          if (self->lingering_ && !self->read_outstanding_) self->discard();
        });
  }

  // Hands the first `n` buffered bytes to the reader, then drops them.
  void deliver(size_t n) {
    auto& buffer = conn_->buffer();
    auto cb = std::move(reader_);
    in_callback_ = true;
    if (cb) cb(std::string_view(static_cast<const char*>(buffer.data().data()), n), false);
    in_callback_ = false;
    buffer.consume(n);
    if (shrink_ && buffer.size() == 0) {
      buffer.shrink_to_fit();
      shrink_ = false;
    }
    if (read_again_) {
      read_again_ = false;
      if (!closed_ && reader_) readNow();
    }
  }

  // Closing: what we wrote is out, so stop sending, and read (and drop)
  // what the peer still sends for a moment before closing. Closing with
  // unread bytes would reset the connection, and the reset can destroy our
  // last frame (a close frame with its code) before the peer reads it.
  void linger() {
    if (lingering_ || closed_) return;
    lingering_ = true;
    beast::error_code ec;
    conn_->stream().socket().shutdown(tcp::socket::shutdown_send, ec);
    linger_.expires_after(std::chrono::seconds(2));
    linger_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->closeNow();
    });
    if (!read_outstanding_) discard();
  }
  void discard() {
    if (closed_) return;
    read_outstanding_ = true;
    conn_->stream().socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      thread_local std::array<char, 16 * 1024> sink;
      size_t n = 0;
      if (!ec) n = self->conn_->stream().socket().read_some(asio::buffer(sink), ec);
      self->read_outstanding_ = false;
      if (ec == asio::error::would_block || ec == asio::error::try_again) return self->discard();
      if (ec || n == 0) self->closeNow();
      else self->discard();
    });
  }

  void flush() {
    if (!started_ || writing_ || closed_ || queue_.empty()) return;
    writing_ = true;
    Piece piece = std::move(queue_.front());
    queue_.pop_front();
    inflight_ = std::move(piece.data);
    asio::async_write(conn_->stream(), asio::buffer(inflight_),
                      [self = shared_from_this(), done = std::move(piece.done)](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (done) done(!ec);
                        if (ec) {
                          self->closeNow();
                          return;
                        }
                        if (self->close_requested_ && self->queue_.empty()) self->linger();
                        else self->flush();
                      });
  }

  void closeNow() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    conn_->stream().socket().shutdown(tcp::socket::shutdown_both, ec);
    conn_->stream().socket().close(ec);
    for (auto& piece : queue_) {
      if (piece.done) piece.done(false);
    }
    queue_.clear();
    if (auto cb = std::move(reader_)) cb({}, true);
    linger_.cancel();
    done_.cancel();
  }

  struct Piece {
    std::string data;
    std::function<void(bool)> done;
  };
  std::shared_ptr<Connection> conn_;
  asio::steady_timer done_;
  asio::steady_timer linger_;
  std::deque<Piece> queue_;
  std::string inflight_;
  std::function<void(std::string_view, bool)> reader_;
  std::function<void()> stop_handler_;
  bool started_ = false, writing_ = false, closed_ = false, close_requested_ = false;
  bool read_outstanding_ = false, lingering_ = false;
  // Reads: how much the next asks for, and the reader's callback running.
  static constexpr size_t kMinReadSize = 1024, kMaxReadSize = 64 * 1024;
  static constexpr int kSmallReadsToShrink = 64;
  size_t read_size_ = kMinReadSize;
  int small_reads_ = 0;
  bool in_callback_ = false, read_again_ = false, shrink_ = false;
};

void Connection::upgradedStopping() { upgraded_->serverStopping(); }

// The request body as a BodySource, read straight off the parser.
class RequestBody;

class Connection::ExchangeImpl : public Exchange, public std::enable_shared_from_this<ExchangeImpl> {
 public:
  using Parser = RequestParser;

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
    // Shutting down: the connection stays open only for requests that have
    // already arrived behind this one; the last response says close.
    if (conn_->stopping() && !(parser_->is_done() && conn_->hasRequestBytes())) keep_alive_ = false;

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
      remaining_length_ = content_length;
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
    // After failBody the server's own answer is on its way: a handler that
    // gives up on its exchange must not cut it.
    if (closed_ || server_answered_) return;
    finished_ = true;
    completed_ = false;
    keep_alive_ = false;
    closeNow();
  }

  bool headWritten() const override { return head_written_; }
  bool closed() const override { return closed_ || finished_; }
  void setLogNote(std::string note) override { note_ = std::move(note); }

  std::shared_ptr<DuplexStream> upgrade(const HeaderList& headers) override {
    if (head_written_ || closed_ || finished_ || head_.version < 11) return nullptr;
    head_written_ = true;
    status_ = 101;
    keep_alive_ = false;
    pending_ += "HTTP/1.1 101 Switching Protocols\r\n";
    for (const auto& h : headers) {
      if (iequals(h.name, "content-length") || iequals(h.name, "transfer-encoding")) continue;
      pending_ += h.name;
      pending_ += ": ";
      pending_ += h.value;
      pending_ += "\r\n";
    }
    pending_ += "\r\n";
    finished_ = true;
    upgraded_ = std::make_shared<Connection::Upgraded>(conn_);
    flush();
    return upgraded_;
  }
  std::shared_ptr<Connection::Upgraded> upgraded() const { return upgraded_; }

  // The request body cannot be read any further: malformed chunked framing
  // (400), over the body limit (413), or stalled past body_timeout (408).
  // With no response started the server answers it itself and closes the
  // connection; whatever the handler writes later is dropped (the exchange
  // is finished). With a response under way, the connection is cut.
  void failBody(int status, std::string_view message) {
    keep_alive_ = false;
    if (closed_ || finished_) return;
    if (head_written_) {
      abort();
      return;
    }
    std::string body(message);
    body += "\n";
    writeHead(status, {{"content-type", "text/plain; charset=utf-8"}}, body.size());
    queueBody(body, nullptr, nullptr);
    finish();
    server_answered_ = true;
    conn_->setLinger();
  }

  // Waits until the exchange is finished and flushed (or aborted).
  asio::awaitable<void> waitDone() {
    if (!done_) {
      beast::error_code ec;
      co_await done_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  bool keepAlive() const { return keep_alive_ && completed_ && !closed_; }
  Parser& parser() { return *parser_; }
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
    if (!pending_.empty() && queue_.empty() && pending_callbacks_.empty()) {
      // Most responses fit in the socket's buffer: write them now, which
      // saves an asynchronous operation (its allocation, the stream's
      // timer, the completion posted to the loop) per response. What does
      // not fit goes the asynchronous way below.
      beast::error_code ec;
      size_t n = conn_->stream().socket().write_some(asio::buffer(pending_), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec = {};
        n = 0;
      }
      if (ec) {
        closeNow();
        return;
      }
      pending_.erase(0, n);
    }
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
    inflight_callbacks_ = std::move(pending_callbacks_);
    pending_callbacks_.clear();
    inflight_written_ = 0;
    writeInflight();
  }

  // Writes the in-flight bytes from inflight_written_ on, one write_some at
  // a time, each within idle_timeout: a slow reader that keeps taking bytes
  // is served however long it takes, one that stops taking them is cut
  // (docs/config.md, idle_timeout_ms). A single async_write would have put
  // the whole response under one deadline.
  void writeInflight() {
    std::vector<asio::const_buffer> buffers;
    size_t skip = inflight_written_;
    auto add = [&](std::string_view bytes) {
      if (skip >= bytes.size()) {
        skip -= bytes.size();
        return;
      }
      buffers.emplace_back(bytes.data() + skip, bytes.size() - skip);
      skip = 0;
    };
    if (inflight_queue_.empty()) {
      add(inflight_);
    } else {
      for (const auto& piece : inflight_queue_) add(piece.bytes());
    }
    if (buffers.empty()) {
      inflightDone(true);
      return;
    }
    conn_->stream().expires_after(conn_->options().limits.idle_timeout);
    conn_->stream().async_write_some(buffers, [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) {
        self->inflightDone(false);
        return;
      }
      self->inflight_written_ += n;
      self->writeInflight();
    });
  }

  // The in-flight bytes are all written (ok) or the write failed.
  void inflightDone(bool ok) {
    writing_ = false;
    inflight_.clear();
    inflight_queue_.clear();
    auto callbacks = std::move(inflight_callbacks_);
    inflight_callbacks_.clear();
    if (!ok) closeNow();
    runCallbacks(std::move(callbacks), ok);
    if (ok) flush();
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
  std::vector<std::function<void(bool)>> inflight_callbacks_;
  size_t inflight_written_ = 0;
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
  bool server_answered_ = false;  // failBody answered for the handler
  std::shared_ptr<Connection::Upgraded> upgraded_;  // set by a 101
  std::optional<uint64_t> remaining_length_;
  int status_ = 0;
  uint64_t bytes_sent_ = 0;
  std::string note_;

  friend class Connection;
  friend class RequestBody;
};

class RequestBody : public BodySource, public std::enable_shared_from_this<RequestBody> {
 public:
  RequestBody(std::weak_ptr<Connection::ExchangeImpl> ex, asio::any_io_executor executor)
      : exchange_(std::move(ex)), timer_(std::move(executor)) {}

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
                        [self = shared_from_this(), msg, cb = std::move(cb)](
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
    // The body has its own inactivity limit, kept by our timer rather than
    // the stream's: the stream's timeout closes the socket, and a stalled
    // body deserves a 408 first.
    auto& stream = ex->conn_->stream();
    stream.expires_never();
    armTimer(stream, ex->conn_->options().limits.body_timeout);
    http::async_read_some(
        stream, ex->conn_->buffer(), parser,
        [self = shared_from_this(), ex, cb = std::move(cb)](beast::error_code ec, size_t) mutable {
          self->reading_ = false;
          self->timer_.cancel();
          auto& p = ex->parser();
          size_t got = self->chunk_.size() - p.get().body().size;
          if (ec == http::error::need_buffer) ec = {};
          if (self->timed_out_) {
            ex->failBody(408, "Request Timeout: the request body stalled");
            cb({}, "the request body stalled longer than the body timeout");
            return;
          }
          if (ec) {
            ex->markBodyError();
            switch (classifyBodyError(ec)) {
              case BodyFailure::kTooLarge:
                ex->failBody(413, "Request body too large");
                cb({}, "request body exceeds the configured limit");
                return;
              case BodyFailure::kMalformed:
                ex->failBody(400, "Bad request: malformed chunked body (" + ec.message() + ")");
                cb({}, "malformed request body: " + ec.message());
                return;
              case BodyFailure::kClientGone:
                cb({}, "client closed the connection while sending the body");
                return;
            }
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
    reading_ = true;
  }

  // Cuts the pending read when the body stalls for `timeout`.
  void armTimer(beast::tcp_stream& stream, std::chrono::milliseconds timeout) {
    timed_out_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), &stream](beast::error_code ec) {
      // A wait that completed just as the read did (or was re-armed since)
      // is not a timeout.
      if (ec || !self->reading_ || self->timer_.expiry() > Clock::now()) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      stream.socket().cancel(ignored);
    });
  }

  std::weak_ptr<Connection::ExchangeImpl> exchange_;
  asio::steady_timer timer_;
  std::string chunk_;
  bool cancelled_ = false;
  bool reading_ = false;
  bool timed_out_ = false;
};

std::shared_ptr<BodySource> Connection::ExchangeImpl::body() {
  if (!head_.has_body) return nullptr;
  if (!body_) body_ = std::make_shared<RequestBody>(weak_from_this(), conn_->stream().get_executor());
  return body_;
}

asio::awaitable<void> Connection::writeErrorAndClose(int status, std::string_view message) {
  std::string body(message);
  body += "\n";
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reasonPhrase(status)) +
                    "\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: " +
                    std::to_string(body.size()) + "\r\nconnection: close\r\n\r\n" + body;
  beast::error_code ec;
  stream_.expires_after(std::chrono::seconds(5));
  co_await asio::async_write(stream_, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  linger_ = true;
}

// Closes the connection. After an error answer (or with a request body left
// unread) the client may still be sending: closing with unread bytes would
// make the kernel reset the connection, and a reset can destroy our answer
// before the client reads it. So we stop sending, read and drop what comes
// for a moment, then close (nginx's lingering close).
asio::awaitable<void> Connection::close() {
  closing_ = true;
  beast::error_code ec;
  if (!stream_.socket().is_open()) co_return;
  if (linger_) {
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kErrorLinger);
    size_t dropped = 0;
    char sink[8192];
    while (!ec && dropped < kLingerMaxBytes) {
      dropped += co_await stream_.async_read_some(asio::buffer(sink),
                                                  asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

// Waits for the next request's first byte. A new connection's whole head
// must arrive within header_timeout of accept; between requests a
// keep-alive connection may wait idle_timeout for the first byte, and the
// head then has header_timeout from it. False when the connection is to be
// closed (timeout, peer gone, or an idle connection at shutdown).
asio::awaitable<bool> Connection::waitForRequest(bool first) {
  const auto& limits = options_.limits;
  for (;;) {
    // Shutting down: serve only what has already arrived.
    if (stopping_.load() && !counted_ && !hasRequestBytes()) co_return false;
    if (first) {
      stream_.expires_at(accepted_ + limits.header_timeout);
    } else {
      stream_.expires_after(buffer_.size() > 0 ? limits.header_timeout : limits.idle_timeout);
    }
    if (buffer_.size() > 0) break;
    beast::error_code ec;
    idle_wait_ = true;
    size_t n = co_await stream_.async_read_some(buffer_.prepare(4096),
                                                asio::redirect_error(asio::use_awaitable, ec));
    idle_wait_ = false;
    buffer_.commit(n);
    if (n > 0) break;
    // Woken by shutdown (onServerStop): look again whether a request came.
    if (ec == asio::error::operation_aborted && stopping_.load()) continue;
    co_return false;
  }
  beginRequest();
  if (!first) stream_.expires_after(limits.header_timeout);
  co_return true;
}

// Reads, checks and serves one request. True when the connection can carry
// the next one.
asio::awaitable<bool> Connection::serveRequest() {
  const auto& limits = options_.limits;
  beast::error_code ec;
  auto parser = std::make_unique<RequestParser>();
  configureParser(*parser, limits);
  co_await http::async_read_header(stream_, buffer_, *parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (isDisconnect(ec)) co_return false;
    HeadError e = headParseError(ec);
    co_await writeErrorAndClose(e.status, e.message);
    co_return false;
  }
  HeadResult result = readRequestHead(*parser, limits, remote_);
  if (result.error) {
    co_await writeErrorAndClose(result.error->status, result.error->message);
    co_return false;
  }

  auto exchange = std::make_shared<ExchangeImpl>(shared_from_this(), std::move(parser),
                                                 std::move(result.parsed.head),
                                                 result.parsed.expect_continue);
  exchange->setKeepAlive(result.parsed.keep_alive);
  try {
    handler_(exchange);
  } catch (const std::exception& e) {
    base::logLine(base::LogLevel::kError, std::string("internal: handler threw: ") + e.what());
    if (!exchange->headWritten()) exchange->writeHead(500, {}, 0);
    exchange->finish();
  }
  co_await exchange->waitDone();
  exchange->logAccess();
  if (auto up = exchange->upgraded(); up && !exchange->closed_) {
    // 101 written: the connection is the upgrade's until it closes.
    upgraded_ = up;
    exchange.reset();
    up->start();
    co_await up->wait();
    co_return false;
  }
  bool reuse = exchange->keepAlive();
  auto& p = exchange->parser();
  if (!p.is_done()) {
    // The handler did not consume the body. Drain a little so the
    // connection can be reused; a large unread body closes it instead.
    const auto& cl = exchange->head().content_length;
    if (reuse && cl && *cl <= 64 * 1024) reuse = co_await drainBody(p);
    else reuse = false;
    if (!reuse) linger_ = true;
  }
  co_return reuse;
}

// Reads and drops the rest of a small request body, each read within
// body_timeout. False when that fails.
asio::awaitable<bool> Connection::drainBody(RequestParser& parser) {
  beast::error_code ec;
  char sink[8192];
  while (!parser.is_done() && !ec) {
    parser.get().body().data = sink;
    parser.get().body().size = sizeof sink;
    stream_.expires_after(options_.limits.body_timeout);
    co_await http::async_read_some(stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
  }
  co_return !ec;
}

asio::awaitable<void> Connection::run() {
  auto self = shared_from_this();
  bool first = true;
  while (co_await waitForRequest(first)) {
    first = false;
    bool again = co_await serveRequest();
    endRequest();
    if (!again) break;
  }
  endRequest();
  co_await close();
}

// Answers a connection over the cap with a 503 and closes it, reading what
// the client sends meanwhile for up to kRefuseLinger (so the close does not
// reset the answer away). When many are being refused at once, it is done
// without waiting: those descriptors are what the cap protects.
asio::awaitable<void> refuseConnection(tcp::socket socket, std::shared_ptr<ConnectionBudget> budget) {
  beast::tcp_stream stream(std::move(socket));
  beast::error_code ec;
  stream.expires_after(kRefuseLinger);
  co_await asio::async_write(stream, asio::buffer(kBusyResponse), asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  char sink[4096];
  size_t dropped = 0;
  while (!ec && dropped < kLingerMaxBytes) {
    dropped += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
  }
  stream.socket().close(ec);
  budget->refusing.fetch_sub(1);
}

// Serves a newly accepted connection, or refuses it with a 503 when the
// server is at its connection cap (the node stays reachable: the client
// learns to come back instead of timing out). `request_waiting`: accepted
// during shutdown with its request already here, so shutdown must wait for it.
void startConnection(tcp::socket socket, int thread, const HttpServer::Options& options,
                     const Handler& handler, ThreadCounters& counters,
                     const std::atomic<bool>& stopping, bool request_waiting) {
  auto& budget = *counters.budget;
  if (!budget.tryTake()) {
    if (budget.refusing.fetch_add(1) < kMaxRefusing) {
      auto executor = socket.get_executor();
      asio::co_spawn(executor, refuseConnection(std::move(socket), counters.budget), asio::detached);
    } else {
      budget.refusing.fetch_sub(1);
      beast::error_code ec;
      socket.non_blocking(true, ec);
      asio::write(socket, asio::buffer(kBusyResponse), ec);
      socket.close(ec);
    }
    return;
  }
  auto conn = std::make_shared<Connection>(std::move(socket), thread, options, handler, counters, stopping);
  if (request_waiting) conn->beginRequest();
  counters.connections.push_back(conn);
  auto executor = conn->stream().get_executor();
  asio::co_spawn(executor, conn->run(), asio::detached);
}

// accept() failed. Out of descriptors (EMFILE/ENFILE), the connection that
// caused it stays queued and every retry would fail at once: free the
// reserve descriptor, take that connection, answer it 503, close it and
// take the reserve back, so the queue drains and the loop waits for the
// next connection instead of spinning. Other errors pause briefly.
asio::awaitable<void> recoverFromAcceptError(tcp::acceptor& acceptor, ThreadCounters& counters,
                                             const beast::error_code& error) {
  const bool out_of_fds = error == asio::error::no_descriptors ||
                          error.value() == ENFILE || error == asio::error::no_buffer_space ||
                          error == asio::error::no_memory;
  bool refused = false;
  if (out_of_fds) {
    static std::atomic<int64_t> last_warning{0};
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
    if (now - last_warning.exchange(now) >= 10) {
      base::logLine(base::LogLevel::kWarn, "downstream: accept failed (" + error.message() +
                                               "): refusing new connections with 503 until "
                                               "descriptors are free; raise `ulimit -n` or lower "
                                               "limits.max_connections");
    }
    beast::error_code ec;
    acceptor.non_blocking(true, ec);
    counters.reserve.release();
    refused = acceptAndRefuse(acceptor.native_handle(), kBusyResponse);
    refused = counters.reserve.restore() && refused;
  }
  if (!refused) {
    beast::error_code ec;
    asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(out_of_fds ? 100 : 10));
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Shutdown, on the listener's thread: the connections still in the accept
// queue whose request has already arrived are accepted and served (their
// responses say close); the rest are closed with the listener.
void acceptQueuedRequests(tcp::acceptor& acceptor, int thread, const HttpServer::Options& options,
                          const Handler& handler, ThreadCounters& counters,
                          const std::atomic<bool>& stopping) {
  beast::error_code ec;
  acceptor.cancel(ec);
  acceptor.non_blocking(true, ec);
  while (acceptor.is_open()) {
    tcp::socket socket = acceptor.accept(ec);
    if (ec) break;
    if (readableBytes(socket.native_handle()) > 0) {
      startConnection(std::move(socket), thread, options, handler, counters, stopping, true);
    } else {
      socket.close(ec);
    }
  }
  acceptor.close(ec);
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
    : options_(std::move(options)), handler_(std::move(handler)),
      budget_(std::make_shared<ConnectionBudget>()) {
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
  budget_->max = options_.limits.max_connections > 0 ? options_.limits.max_connections
                                                      : defaultMaxConnections();
  if (port != 0) {
    if (auto why = portInUse(options_.host, port)) {
      throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(port) +
                               ": " + *why);
    }
  }
  loops_ = std::make_unique<LoopGroup>(options_.threads);
  for (int i = 0; i < options_.threads; ++i) {
    auto t = std::make_unique<ThreadState>();
    t->index = i;
    t->loop = &loops_->loop(i);
    t->counters.budget = budget_;
    t->counters.loop = t->loop;
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
            co_await recoverFromAcceptError(*t.acceptor, t.counters, ec);
            continue;
          }
          startConnection(std::move(socket), t.index, options_, handler_, t.counters, stopping_, false);
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
      // Every request that arrived before the stop gets its answer: queued
      // connections carrying one are accepted, connections between requests
      // with the next one arriving are served, idle ones are closed.
      acceptQueuedRequests(*t->acceptor, t->index, options_, handler_, t->counters, stopping_);
      for (auto& w : t->counters.connections) {
        if (auto c = w.lock()) c->onServerStop();
      }
      // Poll until in-flight exchanges and background work are done, or the
      // drain deadline passes; then stop the loop. Posted behind the wake-ups
      // above, so that the connections they woke count themselves in first.
      t->loop->post([this, t] {
        std::make_shared<Drainer>(*this, *t, Clock::now() + options_.drain_timeout)->check();
      });
    });
  }
}

}  // namespace verge::net
