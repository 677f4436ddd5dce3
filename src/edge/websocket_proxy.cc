#include "edge/websocket_proxy.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>

#include "net/http_server.h"
#include "net/tcp_client.h"
#include "net/websocket_handshake.h"

namespace verge::edge {

namespace {

constexpr uint64_t kMaxRelayedBody = 1 << 20;

struct OriginAddress {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  std::string path;  // the base URL's path, without a trailing slash
};

std::optional<OriginAddress> parseOrigin(std::string_view url) {
  OriginAddress out;
  if (url.starts_with("https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(url.substr(slash));
  size_t colon = authority.rfind(':');
  bool bracketed = authority.starts_with("[");
  if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(authority.data() + colon + 1, authority.data() + authority.size(), port);
    if (ec != std::errc() || end != authority.data() + authority.size() || port == 0 || port > 65535) return std::nullopt;
    out.port = static_cast<uint16_t>(port);
    authority = authority.substr(0, colon);
  } else {
    out.port = out.tls ? 443 : 80;
  }
  if (bracketed) authority = authority.substr(1, authority.size() - 2);
  out.host = std::string(authority);
  return out;
}

class Tunnel : public std::enable_shared_from_this<Tunnel> {
 public:
  Tunnel(std::shared_ptr<net::Exchange> exchange, const Zone& zone)
      : exchange_(std::move(exchange)),
        zone_(zone),
        origin_(std::make_shared<net::TcpClient>(exchange_->ioContext())),
        idle_(exchange_->ioContext()) {}

  void start(const OriginAddress& origin, std::string authority) {
    const auto& head = exchange_->head();
    net::HeaderList headers = originRequestHeaders(endToEnd(head.headers), authority, head.remote_addr);
    // The upgrade itself is hop-by-hop; it is this hop's to ask for again.
    headers.push_back({"Upgrade", "websocket"});
    headers.push_back({"Connection", "Upgrade"});
    std::string request = "GET " + origin.path + head.target + " HTTP/1.1\r\n";
    for (const auto& h : headers) request += h.name + ": " + h.value + "\r\n";
    request += "\r\n";
    net::TcpClient::Options options;
    options.host = origin.host;
    options.port = origin.port;
    options.tls = origin.tls;
    options.connect_timeout = zone_.connect_timeout;
    auto self = shared_from_this();
    armIdle(zone_.response_timeout);
    origin_->connect(options, [self, request = std::move(request)](std::string_view error, std::string, std::string) mutable {
      if (!error.empty()) return self->failOrigin(error);
      self->origin_->write(std::move(request), [self](std::string_view error) {
        if (!error.empty()) return self->failOrigin(error);
        self->readHead();
      });
    });
  }

 private:
  void readHead() {
    net::readResponseHead(origin_, [self = shared_from_this()](net::HeadFailure failure, std::string_view error,
                                                                net::ResponseHead head, std::string rest) {
      using F = net::HeadFailure;
      switch (failure) {
        case F::kTransport: return self->failOrigin(error);
        case F::kClosed: return self->failOrigin("the origin closed the connection without an answer");
        case F::kTooLarge: return self->failOrigin("the origin's response head is over 16 KiB");
        case F::kNotHttp: return self->failOrigin("the origin's answer is not HTTP");
        case F::kNone: break;
      }
      self->buffer_ = std::move(rest);
      self->answer(head);
    });
  }

  void answer(const net::ResponseHead& head) {
    if (head.status != 101) return relay(head);
    net::HeaderList headers = endToEnd(head.headers);
    headers.push_back({"Upgrade", "websocket"});
    headers.push_back({"Connection", "Upgrade"});
    client_ = exchange_->upgrade(headers);
    if (!client_) return close();
    exchange_->setLogNote("zone " + zone_.name + " websocket");
    armIdle(zone_.body_timeout);
    auto self = shared_from_this();
    client_->onServerStop([self] { self->close(); });
    if (!buffer_.empty()) {
      toClient(std::move(buffer_));
    } else {
      fromOrigin();
    }
    fromClient();
  }

  // Origin → client, one chunk at a time.
  void fromOrigin() {
    origin_->read([self = shared_from_this()](std::string_view data, std::string_view error) {
      if (!error.empty() || data.empty()) return self->close();
      self->toClient(std::string(data));
    });
  }
  void toClient(std::string data) {
    armIdle(zone_.body_timeout);
    client_->write(std::move(data), [self = shared_from_this()](bool ok) {
      if (!ok) return self->close();
      self->fromOrigin();
    });
  }
  // Client → origin.
  void fromClient() {
    client_->read([self = shared_from_this()](std::string_view data, bool end) {
      if (end) return self->close();
      self->armIdle(self->zone_.body_timeout);
      self->origin_->write(std::string(data), [self](std::string_view error) {
        if (!error.empty()) return self->close();
        self->fromClient();
      });
    });
  }

  // Not a 101: the origin's answer goes to the client as a response.
  void relay(const net::ResponseHead& head) {
    std::optional<uint64_t> length;
    for (const auto& h : head.headers) {
      if (net::iequals(h.name, "transfer-encoding")) {
        return failOrigin("the origin answered the WebSocket upgrade with a chunked response");
      }
      if (net::iequals(h.name, "content-length")) {
        uint64_t n = 0;
        auto [end, ec] = std::from_chars(h.value.data(), h.value.data() + h.value.size(), n);
        if (ec != std::errc() || end != h.value.data() + h.value.size()) return failOrigin("bad Content-Length");
        length = n;
      }
    }
    if (length && *length > kMaxRelayedBody) return failOrigin("the origin's answer is over 1 MiB");
    relay_status_ = head.status;
    relay_headers_ = endToEnd(head.headers);
    relay_length_ = length;
    readBody();
  }
  void readBody() {
    if (relay_length_ && buffer_.size() >= *relay_length_) return sendRelay();
    origin_->read([self = shared_from_this()](std::string_view data, std::string_view error) {
      if (!error.empty() || data.empty()) {
        if (self->relay_length_) return self->failOrigin("the origin closed the connection in the middle of a body");
        return self->sendRelay();  // close-delimited
      }
      self->buffer_.append(data);
      if (self->buffer_.size() > kMaxRelayedBody) return self->failOrigin("the origin's answer is over 1 MiB");
      self->readBody();
    });
  }
  void sendRelay() {
    std::string body = relay_length_ ? buffer_.substr(0, *relay_length_) : buffer_;
    exchange_->setLogNote("zone " + zone_.name);
    exchange_->writeHead(relay_status_, relay_headers_, body.size());
    exchange_->writeBody(body, nullptr);
    exchange_->finish();
    close();
  }

  void failOrigin(std::string_view error) {
    if (!exchange_->headWritten()) sendOriginError(*exchange_, zone_, error);
    close();
  }

  void armIdle(std::chrono::milliseconds timeout) {
    idle_.expires_after(timeout);
    idle_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        if (!self->client_) return self->failOrigin("timed out waiting for the origin's answer");
        self->close();
      }
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    idle_.cancel();
    origin_->close();
    if (client_) client_->close();
  }

  std::shared_ptr<net::Exchange> exchange_;
  const Zone& zone_;
  std::shared_ptr<net::TcpClient> origin_;
  std::shared_ptr<net::DuplexStream> client_;
  boost::asio::steady_timer idle_;
  std::string buffer_;
  int relay_status_ = 0;
  net::HeaderList relay_headers_;
  std::optional<uint64_t> relay_length_;
  bool closed_ = false;
};

}  // namespace

void proxyWebSocket(std::shared_ptr<net::Exchange> exchange, const Zone& zone, std::string authority) {
  auto origin = parseOrigin(zone.origin);
  if (!origin) {
    sendOriginError(*exchange, zone, "the zone's origin is not an http:// or https:// URL");
    return;
  }
  auto tunnel = std::make_shared<Tunnel>(std::move(exchange), zone);
  tunnel->start(*origin, std::move(authority));
}

}  // namespace verge::edge
