#include "net/websocket_handshake.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/beast/http.hpp>
#include <charconv>
#include <cstring>

#include "base/log.h"
#include "net/request_head.h"
#include "net/tcp_client.h"

namespace verge::net {

namespace {

// RFC 6455 §1.3: the GUID appended to the key before hashing.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string base64(const unsigned char* bytes, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');  // EVP_EncodeBlock writes a NUL
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// The base64 of 16 bytes: 22 characters of the alphabet and "==".
bool isValidKey(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (size_t i = 0; i < 22; ++i) {
    if (!isBase64Char(key[i])) return false;
  }
  return true;
}

// Whether any field line `name` holds `token` as a list element (any case).
bool listHas(const HeaderList& headers, std::string_view name, std::string_view token) {
  for (const auto& h : headers) {
    if (!iequals(h.name, name)) continue;
    for (std::string_view element : splitFieldList(h.value)) {
      if (iequals(element, token)) return true;
    }
  }
  return false;
}

size_t countHeader(const HeaderList& headers, std::string_view name) {
  size_t n = 0;
  for (const auto& h : headers) n += iequals(h.name, name) ? 1 : 0;
  return n;
}

WebSocketHandshakeError upgradeRequired(std::string message, bool version) {
  WebSocketHandshakeError e{426, std::move(message), {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}}};
  if (version) e.headers.push_back({"Sec-WebSocket-Version", "13"});
  return e;
}

}  // namespace

bool isWebSocketUpgrade(const HeaderList& headers) { return listHas(headers, "upgrade", "websocket"); }

std::optional<WebSocketHandshakeError> checkWebSocketRequest(std::string_view method, int version,
                                                             const HeaderList& headers,
                                                             WebSocketOffer& offer) {
  if (method != "GET") return WebSocketHandshakeError{400, "WebSocket upgrade needs GET", {}};
  if (version < 11) return WebSocketHandshakeError{400, "WebSocket upgrade needs HTTP/1.1", {}};
  if (!isWebSocketUpgrade(headers)) return upgradeRequired("expected Upgrade: websocket", false);
  if (!listHas(headers, "connection", "upgrade")) {
    return WebSocketHandshakeError{400, "Connection header lacks the upgrade option", {}};
  }

  // §4.4: any version but 13 (or none, an old draft) gets 426 naming 13.
  bool version_13 = false;
  size_t versions = 0;
  for (const auto& h : headers) {
    if (!iequals(h.name, "sec-websocket-version")) continue;
    ++versions;
    version_13 = trim(h.value) == "13";
  }
  if (versions != 1 || !version_13) return upgradeRequired("unsupported Sec-WebSocket-Version", true);

  if (countHeader(headers, "sec-websocket-key") != 1) {
    return WebSocketHandshakeError{400, "expected one Sec-WebSocket-Key", {}};
  }
  const std::string_view key = trim(*findHeader(headers, "sec-websocket-key"));
  if (!isValidKey(key)) {
    return WebSocketHandshakeError{400, "Sec-WebSocket-Key is not the base64 of 16 bytes", {}};
  }

  std::vector<std::string> protocols;
  for (const auto& h : headers) {
    if (!iequals(h.name, "sec-websocket-protocol")) continue;
    for (std::string_view element : splitFieldList(h.value)) {
      if (element.empty()) continue;  // "a, , b": empty list elements are ignored (RFC 9110 §5.6.1)
      if (!isToken(element)) {
        return WebSocketHandshakeError{400, "Sec-WebSocket-Protocol holds a value that is not a token", {}};
      }
      protocols.emplace_back(element);
    }
  }
  offer.key = std::string(key);
  offer.protocols = std::move(protocols);
  return std::nullopt;
}

std::string webSocketAccept(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kAcceptGuid.size());
  input.append(key).append(kAcceptGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  VERGE_ASSERT(EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr) == 1);
  return base64(digest, size);
}

HeaderList webSocketResponseHeaders(std::string_view key, std::string_view protocol) {
  HeaderList headers = {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Accept", webSocketAccept(key)}};
  if (!protocol.empty()) headers.push_back({"Sec-WebSocket-Protocol", std::string(protocol)});
  return headers;
}

std::string makeWebSocketKey() {
  unsigned char bytes[16];
  VERGE_ASSERT(RAND_bytes(bytes, sizeof bytes) == 1);
  return base64(bytes, sizeof bytes);
}

HeaderList webSocketRequestHeaders(std::string_view key, const std::vector<std::string>& protocols) {
  HeaderList headers = {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", std::string(key)},
                        {"Sec-WebSocket-Version", "13"}};
  if (!protocols.empty()) {
    std::string list;
    for (const auto& p : protocols) {
      if (!list.empty()) list += ", ";
      list += p;
    }
    headers.push_back({"Sec-WebSocket-Protocol", std::move(list)});
  }
  return headers;
}

std::optional<std::string> checkWebSocketResponse(int status, const HeaderList& headers,
                                                  std::string_view key,
                                                  const std::vector<std::string>& offered,
                                                  std::string& protocol) {
  if (status != 101) return "the server answered " + std::to_string(status) + ", not 101";
  if (countHeader(headers, "upgrade") != 1 || !iequals(trim(*findHeader(headers, "upgrade")), "websocket")) {
    return std::string("the server's Upgrade is not websocket");
  }
  if (!listHas(headers, "connection", "upgrade")) {
    return std::string("the server's Connection lacks the upgrade option");
  }
  if (countHeader(headers, "sec-websocket-accept") != 1 ||
      trim(*findHeader(headers, "sec-websocket-accept")) != webSocketAccept(key)) {
    return std::string("Sec-WebSocket-Accept does not match the key");
  }
  // No extension was offered, so the server may not use one (§4.1).
  for (const auto& h : headers) {
    if (iequals(h.name, "sec-websocket-extensions") && !trim(h.value).empty()) {
      return std::string("the server chose an extension that was not offered");
    }
  }
  protocol.clear();
  const size_t protocols = countHeader(headers, "sec-websocket-protocol");
  if (protocols == 0) return std::nullopt;
  const std::string_view chosen = trim(*findHeader(headers, "sec-websocket-protocol"));
  bool was_offered = false;
  for (const auto& p : offered) was_offered = was_offered || p == chosen;
  if (protocols > 1 || !was_offered) {
    return std::string("the server chose a subprotocol that was not offered");
  }
  protocol = std::string(chosen);
  return std::nullopt;
}

std::optional<ResponseHead> parseResponseHead(std::string_view head) {
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  ResponseHead out;
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || status_line[8] != ' ' ||
      std::from_chars(status_line.data() + 9, status_line.data() + 12, out.status).ec != std::errc() ||
      out.status < 100 || out.status > 999) {
    return std::nullopt;
  }
  if (status_line.size() > 13) out.reason = std::string(trim(status_line.substr(13)));
  while (line_end != std::string_view::npos && line_end < head.size()) {
    size_t next = head.find("\r\n", line_end + 2);
    std::string_view line =
        head.substr(line_end + 2, (next == std::string_view::npos ? head.size() : next) - line_end - 2);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      out.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
    }
    line_end = next;
  }
  return out;
}

namespace {

struct HeadReader : std::enable_shared_from_this<HeadReader> {
  std::shared_ptr<TcpClient> client;
  ResponseHeadCallback callback;
  size_t max_bytes;
  std::string buffer;

  void read() {
    client->read([self = shared_from_this()](std::string_view data, std::string_view error) {
      if (!error.empty()) return self->callback(HeadFailure::kTransport, error, {}, {});
      if (data.empty()) return self->callback(HeadFailure::kClosed, {}, {}, {});
      self->buffer.append(data);
      size_t end = self->buffer.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (self->buffer.size() > self->max_bytes) return self->callback(HeadFailure::kTooLarge, {}, {}, {});
        return self->read();
      }
      auto head = parseResponseHead(std::string_view(self->buffer).substr(0, end));
      if (!head) return self->callback(HeadFailure::kNotHttp, {}, {}, {});
      self->callback(HeadFailure::kNone, {}, std::move(*head), self->buffer.substr(end + 4));
    });
  }
};

// The body, parsed by Beast's response parser: it knows every framing.
// The head was parsed already; the parser is given an equivalent one.
struct BodyReader : std::enable_shared_from_this<BodyReader> {
  std::shared_ptr<TcpClient> client;
  ResponseBodyCallback callback;
  boost::beast::http::response_parser<boost::beast::http::string_body> parser;
  std::string pending;

  void start(const ResponseHead& head, std::string rest, size_t max_bytes) {
    parser.eager(true);
    parser.body_limit(max_bytes);
    pending = "HTTP/1.1 " + std::to_string(head.status) + " -\r\n";
    for (const auto& h : head.headers) pending += h.name + ": " + h.value + "\r\n";
    pending += "\r\n";
    pending += rest;
    if (consume()) read();
  }

  // Feeds what is pending to the parser; true while more is wanted.
  bool consume() {
    boost::beast::error_code ec;
    while (!pending.empty() && !parser.is_done()) {
      size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == boost::beast::http::error::need_more) break;
      if (ec) return fail(ec);
    }
    if (parser.is_done()) {
      finish();
      return false;
    }
    return true;
  }

  void read() {
    client->read([self = shared_from_this()](std::string_view data, std::string_view error) {
      if (!error.empty()) {
        self->callback(std::string(error), {});
        return;
      }
      if (data.empty()) {
        // The close ends a body that has no length; any other body is cut short.
        boost::beast::error_code ec;
        self->parser.put_eof(ec);
        if (ec) self->fail(ec);
        else self->finish();
        return;
      }
      self->pending.append(data);
      if (self->consume()) self->read();
    });
  }

  bool fail(const boost::beast::error_code& ec) {
    callback(ec == boost::beast::http::error::body_limit ? "the answer's body is too large"
                                                         : "the answer's body is malformed: " + ec.message(),
             {});
    return false;
  }
  void finish() { callback({}, std::move(parser.get().body())); }
};

}  // namespace

void readResponseBody(std::shared_ptr<TcpClient> client, const ResponseHead& head, std::string rest,
                      ResponseBodyCallback callback, size_t max_bytes) {
  auto reader = std::make_shared<BodyReader>();
  reader->client = std::move(client);
  reader->callback = std::move(callback);
  reader->start(head, std::move(rest), max_bytes);
}

void readResponseHead(std::shared_ptr<TcpClient> client, ResponseHeadCallback callback, size_t max_bytes) {
  auto reader = std::make_shared<HeadReader>();
  reader->client = std::move(client);
  reader->callback = std::move(callback);
  reader->max_bytes = max_bytes;
  reader->read();
}

}  // namespace verge::net
