#include "net/tcp_client.h"

#include <optional>

#include "net/client_connect.h"

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace verge::net {

namespace {
constexpr size_t kReadChunk = 64 * 1024;

// The end of the peer's stream: a FIN, or (TLS) a peer that closed without
// close_notify, which most servers do and which carries no risk here: the
// application protocol frames its own messages.
bool isEndOfStream(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == ssl::error::stream_truncated;
}
}  // namespace

// The connection and what is in flight on it. Every asynchronous operation
// holds a reference, so it lives until the last callback has run.
struct TcpClient::State : std::enable_shared_from_this<TcpClient::State> {
  explicit State(asio::io_context& context) : ioc(context), socket(context) {}

  asio::io_context& ioc;
  tcp::socket socket;
  // Over `socket` once TLS began; kept until the state goes, as an
  // operation may still be using it after close().
  std::optional<ssl::stream<tcp::socket&>> tls;
  std::string label;  // "host:port", for messages
  std::chrono::milliseconds timeout{15'000};
  char buffer[kReadChunk];
  bool connected = false;
  bool closed = false;
  bool reading = false;
  bool writing = false;
  bool upgrading = false;  // startTls() cancelled the outstanding read

  // Ends the connection; later calls are refused with "the socket is closed".
  void closeNow() {
    closed = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  }

  void readSome(ReadCallback callback) {
    auto handler = [self = shared_from_this(), callback = std::move(callback)](boost::system::error_code ec,
                                                                               size_t n) mutable {
      // Nothing decrypted (a TLS record that carried no data): read on.
      if (!ec && n == 0) return self->readSome(std::move(callback));
      self->reading = false;
      if (!ec) return callback(std::string_view(self->buffer, n), {});
      if (isEndOfStream(ec)) return callback({}, {});
      if (self->closed) return callback({}, "the socket was closed");
      if (self->upgrading) return callback({}, "the read was ended by startTls()");
      if (ec == asio::error::connection_reset) return callback({}, "the peer reset the connection");
      callback({}, "reading from " + self->label + " failed: " + ec.message());
    };
    if (tls) {
      tls->async_read_some(asio::buffer(buffer), std::move(handler));
    } else {
      socket.async_read_some(asio::buffer(buffer), std::move(handler));
    }
  }

  void handshake(const std::string& host, DoneCallback cb) {
    tls.emplace(socket, clientTlsContext());
    if (!setUpClientTls(*tls, host)) {
      cb("TLS: \"" + host + "\" cannot be sent as the server name");
      return;
    }
    // The deadline closes the socket, which ends the handshake.
    auto self = shared_from_this();
    auto timer = std::make_shared<asio::steady_timer>(ioc);
    auto done = std::make_shared<bool>(false);
    auto timed_out = std::make_shared<bool>(false);
    timer->expires_after(timeout);
    timer->async_wait([self, done, timed_out](boost::system::error_code ec) {
      if (ec || *done) return;
      *timed_out = true;
      boost::system::error_code ignored;
      self->socket.close(ignored);
    });
    tls->async_handshake(ssl::stream_base::client,
                         [self, timer, done, timed_out, cb = std::move(cb)](boost::system::error_code ec) {
                           *done = true;
                           timer->cancel();
                           if (*timed_out) {
                             cb("TLS handshake with " + self->label + " failed: no answer within " +
                                millis(self->timeout));
                           } else if (self->closed) {
                             cb("the socket was closed");
                           } else if (ec) {
                             cb("TLS handshake with " + self->label + " failed: " + ec.message());
                           } else {
                             cb({});
                           }
                         });
  }
};

TcpClient::TcpClient(asio::io_context& ioc) : state_(std::make_shared<State>(ioc)) {}

TcpClient::~TcpClient() { close(); }

void TcpClient::connect(Options options, ConnectCallback callback) {
  auto state = state_;
  state->timeout = options.connect_timeout;
  std::string port = std::to_string(options.port);
  state->label = (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) + ":" + port;
  // The coroutine's frame owns what it needs: the state, the policy and
  // the callback; the completion handler reports what it threw.
  auto run = [](std::shared_ptr<State> s, Options o, std::string p, ConnectCallback cb) -> asio::awaitable<void> {
    ConnectTarget target{o.host, p, s->label, o.connect_timeout, o.egress.get()};
    std::string error = co_await connectSocket(s->socket, target);
    if (error.empty() && s->closed) error = "the socket was closed";
    if (!error.empty()) {
      cb(error, {}, {});
      co_return;
    }
    auto finish = [s, cb](std::string_view err) {
      if (!err.empty()) {
        s->closeNow();
        cb(err, {}, {});
        return;
      }
      s->connected = true;
      boost::system::error_code ec;
      std::string remote, local;
      if (auto ep = s->socket.remote_endpoint(ec); !ec) remote = endpointText(ep);
      if (auto ep = s->socket.local_endpoint(ec); !ec) local = endpointText(ep);
      cb({}, std::move(remote), std::move(local));
    };
    if (o.tls) {
      s->handshake(o.host, finish);
    } else {
      finish({});
    }
  };
  asio::co_spawn(state->ioc, run(state, std::move(options), std::move(port), callback),
                 [callback](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     callback(std::string("internal error: ") + ex.what(), {}, {});
                   }
                 });
}

void TcpClient::read(ReadCallback callback) {
  auto s = state_;
  if (s->closed) return callback({}, "the socket is closed");
  if (!s->connected) return callback({}, "the socket is not connected");
  if (s->reading) return callback({}, "a read is already in progress");
  s->reading = true;
  s->readSome(std::move(callback));
}

void TcpClient::write(std::string bytes, DoneCallback callback) {
  auto s = state_;
  if (s->closed) return callback("the socket is closed");
  if (!s->connected) return callback("the socket is not connected");
  if (s->writing) return callback("a write is already in progress");
  s->writing = true;
  auto data = std::make_shared<std::string>(std::move(bytes));
  auto handler = [s, data, callback = std::move(callback)](boost::system::error_code ec, size_t) {
    s->writing = false;
    if (!ec) return callback({});
    if (s->closed) return callback("the socket was closed");
    if (ec == asio::error::broken_pipe || ec == asio::error::connection_reset) {
      return callback("the peer closed the connection");
    }
    callback("writing to " + s->label + " failed: " + ec.message());
  };
  if (s->tls) {
    asio::async_write(*s->tls, asio::buffer(*data), std::move(handler));
  } else {
    asio::async_write(s->socket, asio::buffer(*data), std::move(handler));
  }
}

void TcpClient::shutdownWrite(DoneCallback callback) {
  auto s = state_;
  if (s->closed) return callback("the socket is closed");
  if (!s->connected) return callback("the socket is not connected");
  if (s->tls) return callback({});
  boost::system::error_code ec;
  s->socket.shutdown(tcp::socket::shutdown_send, ec);
  // The peer may have gone already: its FIN needs no FIN back.
  if (ec && ec != asio::error::not_connected) return callback("closing the write side failed: " + ec.message());
  callback({});
}

void TcpClient::startTls(std::string host, DoneCallback callback) {
  auto s = state_;
  if (s->closed) return callback("the socket is closed");
  if (!s->connected) return callback("the socket is not connected");
  if (s->tls) return callback("TLS is already on");
  if (s->writing) return callback("a write is still in progress");
  if (s->reading) {
    // The handshake reads from the socket itself.
    s->upgrading = true;
    boost::system::error_code ignored;
    s->socket.cancel(ignored);
  }
  // After the cancelled read's handler (queued by cancel()), so that the
  // handshake's reads never run beside it.
  asio::post(s->ioc, [s, host = std::move(host), callback = std::move(callback)]() mutable {
    if (s->closed) return callback("the socket was closed");
    s->upgrading = false;
    s->handshake(host, [s, callback = std::move(callback)](std::string_view error) {
      if (!error.empty()) s->closeNow();
      callback(error);
    });
  });
}

void TcpClient::close() {
  if (!state_->closed) state_->closeNow();
}

}  // namespace verge::net
