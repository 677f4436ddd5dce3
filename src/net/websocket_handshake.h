// The WebSocket opening handshake (RFC 6455 §4) as pure functions over
// header lists (net::HeaderList), for both ends: the server checks a
// client's upgrade request and builds the 101 answer; the client makes a key
// and the request headers and checks the server's answer. No I/O: the HTTP
// server and client carry the heads, the framing is websocket.h.
//
// A subprotocol (Sec-WebSocket-Protocol) is data the caller chooses; no
// extension is ever accepted (permessage-deflate is declined by not echoing
// Sec-WebSocket-Extensions, as RFC 6455 §9.1 allows).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.h"

namespace verge::net {

// What a valid upgrade request offers.
struct WebSocketOffer {
  std::string key;                     // Sec-WebSocket-Key, as sent (trimmed)
  std::vector<std::string> protocols;  // Sec-WebSocket-Protocol, in the client's order
};

// Why an upgrade request is refused: the status (400, or 426 when the
// client must change what it asks for), a one-line message, and headers the
// error response must carry (426: Upgrade: websocket, Connection: Upgrade
// and, for a version other than 13, Sec-WebSocket-Version: 13).
struct WebSocketHandshakeError {
  int status = 400;
  std::string message;
  HeaderList headers;
};

// Whether the request asks for a WebSocket at all: an Upgrade header whose
// list holds "websocket" (any case). The server routes such a request to the
// upgrade path and checks it with checkWebSocketRequest.
bool isWebSocketUpgrade(const HeaderList& headers);

// Checks a client's opening handshake (RFC 6455 §4.2.1). `version` is 10 or
// 11 as in RequestHeadInput. On success fills `offer` and returns nullopt;
// otherwise:
//   400  not GET; HTTP/1.0; Connection without the "upgrade" option; a
//        missing, repeated or malformed Sec-WebSocket-Key (it must be the
//        base64 of 16 bytes); a Sec-WebSocket-Protocol element that is not a
//        token
//   426  no "websocket" in Upgrade; Sec-WebSocket-Version missing or not 13
//        (the response then says Sec-WebSocket-Version: 13, §4.4)
std::optional<WebSocketHandshakeError> checkWebSocketRequest(std::string_view method, int version,
                                                             const HeaderList& headers,
                                                             WebSocketOffer& offer);

// Sec-WebSocket-Accept for a key: base64(SHA-1(key + the RFC's GUID)).
std::string webSocketAccept(std::string_view key);

// The headers of the server's 101 Switching Protocols answer: Upgrade,
// Connection, Sec-WebSocket-Accept, and Sec-WebSocket-Protocol when
// `protocol` is not empty (the caller picks it from the offer).
HeaderList webSocketResponseHeaders(std::string_view key, std::string_view protocol = {});

// A fresh Sec-WebSocket-Key: base64 of 16 random bytes (OpenSSL RAND_bytes).
std::string makeWebSocketKey();

// The headers a client adds to its GET to ask for a WebSocket: Upgrade,
// Connection, Sec-WebSocket-Key, Sec-WebSocket-Version: 13, and
// Sec-WebSocket-Protocol when `protocols` is not empty.
HeaderList webSocketRequestHeaders(std::string_view key, const std::vector<std::string>& protocols = {});

// An HTTP/1.x response head (status line and fields, without the final
// CRLF CRLF), as a client reads the answer to its upgrade request: the
// status, its reason phrase and the fields (values trimmed). Nullopt when
// it is not HTTP.
struct ResponseHead {
  int status = 0;
  std::string reason;
  HeaderList headers;
};
std::optional<ResponseHead> parseResponseHead(std::string_view head);

// Reads a response head from `client` (the answer to a request written on
// it) and parses it. `callback` gets either a failure and, for kTransport,
// the connection's error, or the head and the bytes read past it.
class TcpClient;
enum class HeadFailure { kNone, kTransport, kClosed, kTooLarge, kNotHttp };
using ResponseHeadCallback =
    std::function<void(HeadFailure failure, std::string_view error, ResponseHead head, std::string rest)>;
void readResponseHead(std::shared_ptr<TcpClient> client, ResponseHeadCallback callback, size_t max_bytes = 16 * 1024);

// Reads the body of an answer that did not switch protocols (a 401, a
// 404…: the server said no), whole, as its framing says (Content-Length,
// chunked, or up to the close). `rest` are the bytes read past the head.
// `callback` gets an error, empty when the body is whole and at most
// `max_bytes`, and the body.
using ResponseBodyCallback = std::function<void(std::string error, std::string body)>;
void readResponseBody(std::shared_ptr<TcpClient> client, const ResponseHead& head, std::string rest,
                      ResponseBodyCallback callback, size_t max_bytes = 16 * 1024 * 1024);

// Checks the server's answer to a client's handshake (RFC 6455 §4.1): 101,
// Upgrade: websocket, Connection with "upgrade", the Sec-WebSocket-Accept
// that `key` calls for, no extension (none was offered), and a
// Sec-WebSocket-Protocol that is one of `offered` if any. Returns nullopt and
// sets `protocol` (empty when the server chose none) when the connection is
// a WebSocket now; otherwise why not.
std::optional<std::string> checkWebSocketResponse(int status, const HeaderList& headers,
                                                  std::string_view key,
                                                  const std::vector<std::string>& offered,
                                                  std::string& protocol);

}  // namespace verge::net
