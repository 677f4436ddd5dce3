// HTTP/1.1 server: a set of event loops (net/event_loop.h), each with its own
// SO_REUSEPORT listener (shared-nothing). A connection stays on the loop that
// accepted it, and its handler is always called by that loop's carrier
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.h"
#include "net/http_types.h"

namespace boost::asio {
class io_context;
}

namespace verge::net {

struct ServerLimits {
  size_t max_header_bytes = 32 * 1024;  // request line + headers; over → 431
  size_t max_header_count = 100;        // over → 431
  uint64_t max_body_bytes = 4ull << 30;  // over → 413
  // The whole head must arrive in this: for a new connection counted from
  // accept, for a later request on a keep-alive connection from its first
  // byte. Over it the connection is closed without an answer.
  std::chrono::milliseconds header_timeout{10'000};
  // How long a keep-alive connection may wait for the next request's first
  // byte, and how long a response write may make no progress.
  std::chrono::milliseconds idle_timeout{60'000};
  // The longest pause between two reads of a request body (nginx's
  // client_body_timeout). Over it: 408 if no response has started, else the
  // connection is cut. Also bounds draining an unread body after a response.
  std::chrono::milliseconds body_timeout{30'000};
  // Open client connections across all threads of one server; a new
  // connection over it gets a short 503 and is closed. 0 = derived from the
  // file-descriptor limit (defaultMaxConnections in server_sockets.h).
  size_t max_connections = 0;
};

struct RequestHead {
  std::string method;
  // origin-form, e.g. "/a?b" (an absolute-form target is split into this and
  // the Host header), or "*" for OPTIONS *.
  std::string target;
  int version = 11;    // 10 or 11
  HeaderList headers;
  bool has_body = false;  // Content-Length > 0 or chunked
  std::optional<uint64_t> content_length;
  std::string remote_addr;
};

// A connection after an HTTP upgrade (101): raw bytes both ways, for a
// WebSocket or a proxied tunnel. Every method is called by the carrier of
// the connection's loop, and every callback runs there.
class DuplexStream {
 public:
  virtual ~DuplexStream() = default;
  virtual EventLoop& loop() = 0;
  // The next bytes from the peer; `end` once it closed its side or the
  // connection failed. One read at a time: nothing more is read until the
  // next call, so a slow consumer holds the peer back.
  virtual void read(std::function<void(std::string_view data, bool end)> callback) = 0;
  // Queues bytes; `done(ok)` once they are handed to the socket.
  virtual void write(std::string data, std::function<void(bool ok)> done) = 0;
  // Closes the connection once what is queued is written.
  virtual void close() = 0;
  // Called once if the server begins a graceful shutdown while the
  // connection is open (a WebSocket then says 1001 and closes).
  virtual void onServerStop(std::function<void()> handler) = 0;
};

// One request/response on a connection, handed to the Handler. Every method
// must be called by the carrier of the connection's loop (loop().run()
// gets there from any thread). The exchange stays valid while
// anyone holds the shared_ptr; after finish()/abort() further writes fail.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const RequestHead& head() const = 0;
  // The loop this exchange belongs to, and its index (0..threads-1).
  virtual EventLoop& loop() = 0;
  int loopIndex() { return loop().index(); }
  virtual boost::asio::io_context& ioContext() = 0;

  // The request body, read in chunks. Sends "100 Continue" first when the
  // client asked for it. Null when the request has no body.
  virtual std::shared_ptr<BodySource> body() = 0;

  // Starts the response. Without content_length the body is chunked (or
  // close-delimited for HTTP/1.0). For HEAD requests body bytes are dropped.
  virtual void writeHead(int status, const HeaderList& headers,
                         std::optional<uint64_t> content_length) = 0;
  // Queues body bytes; `done(ok)` runs once they are handed to the socket, so
  // a producer that waits for it never buffers more than one chunk.
  virtual void writeBody(std::string_view data, std::function<void(bool ok)> done) = 0;
  // Queues body bytes that `owner` keeps alive (e.g. a cached body): large
  // ones are written from where they are, without a copy.
  virtual void writeBodyShared(std::string_view data, std::shared_ptr<const void> owner) {
    writeBody(data, nullptr);
  }
  // Ends the response; the connection moves on to its next request.
  virtual void finish() = 0;
  // Ends the response abnormally: the connection is closed.
  virtual void abort() = 0;
  virtual bool headWritten() const = 0;
  // Whether the exchange is over (finished, aborted, or the peer went away).
  virtual bool closed() const = 0;
  // A short note for the access log (e.g. the worker that served it).
  virtual void setLogNote(std::string note) = 0;
  // Answers 101 Switching Protocols with `headers` and hands the connection
  // over as a DuplexStream: it carries no further HTTP requests. Null when
  // this exchange cannot be upgraded (a response already started, or an
  // in-memory exchange).
  virtual std::shared_ptr<DuplexStream> upgrade(const HeaderList& headers) { return nullptr; }
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

// How many client connections are open, against the cap (http_server.cc).
struct ConnectionBudget;

// Ends the exchange with a small HTML error page in Cloudflare's style
// ("Error <code>: <title>", then `detail`), not cacheable. `code` is the
// number the page shows (e.g. 1101 for a worker exception) and `status` the
// HTTP status. If the response already started, the connection is cut
// instead: that is all that can be done then.
void sendErrorPage(Exchange& exchange, int status, int code, std::string_view title,
                   std::string_view detail);

struct AccessRecord {
  const RequestHead* head;
  int status;
  uint64_t bytes_sent;
  double duration_ms;
  std::string_view note;
  bool completed;  // false when aborted or the client disconnected
};

class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 8787;  // 0 picks a free port
    int threads = 1;
    ServerLimits limits;
    // Called on the exchange's loop when it is over.
    std::function<void(int loop, const AccessRecord&)> access_log;
    // On each loop's first carrier before the loop serves anything.
    std::function<void(int loop)> on_loop_start;
    // Once every loop has stopped: threads that handed their loop off may
    // still be finishing (e.g. a spinning script); make them stop. run()
    // waits for them before on_loop_finish.
    std::function<void()> on_loops_stopped;
    // After every loop has stopped and every thread has ended, for each
    // loop, on the thread that called run().
    std::function<void(int loop)> on_loop_finish;
    // During graceful shutdown: true while the loop still has background
    // work (e.g. waitUntil promises) worth waiting for.
    std::function<bool(int loop)> has_background_work;
    std::chrono::milliseconds drain_timeout{30'000};
  };

  HttpServer(Options options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every thread's listener. Throws std::runtime_error naming the
  // address when binding fails, or when another process (another verge
  // included) already listens on the port: SO_REUSEPORT would otherwise let
  // the two share it silently.
  void bind();
  uint16_t port() const { return port_; }
  // Event loop `i` (valid after bind()).
  EventLoop& loop(int i);
  boost::asio::io_context& ioContext(int i);
  // Runs all loops until stop() has drained them. Blocks.
  void run();
  // Graceful stop: stop accepting, finish in-flight requests, then return from
  // run(). Safe to call from any thread, more than once.
  void stop();

 private:
  struct ThreadState;
  struct Drainer;
  void startLoop(ThreadState& t);

  Options options_;
  Handler handler_;
  uint16_t port_ = 0;
  std::unique_ptr<LoopGroup> loops_;
  // The connection cap, shared by every loop and held by each connection.
  std::shared_ptr<ConnectionBudget> budget_;
  std::vector<std::unique_ptr<ThreadState>> threads_;  // one per loop
  std::atomic<bool> stopping_{false};
};

}  // namespace verge::net
