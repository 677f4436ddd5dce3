// HTTP/1.1 client for subrequests (a worker's fetch(), the cache's origin
// requests): http and https. GET and HEAD to plain-HTTP origins reuse idle
// keep-alive connections of the same event loop; everything else uses one
// connection per request.
//
// Origins are untrusted: a response that breaks HTTP/1.1 framing (a status
// outside 100-599, an invalid header, a malformed chunk, bytes after the end
// of the message) ends its connection, which is never reused, and fails the
// fetch, or the body read when the head was already handed on. Body bytes
// that arrived together with the head are parsed before the head is handed
// on, so a malformed answer sent in one piece fails before anything reaches
// a client.
//
// Retries. A request sent on a reused idle connection is repeated once on a
// fresh connection only when the origin had closed that connection: the
// write failed before any byte of the request went out, or the origin closed
// (or reset) it without sending a single response byte and the method is
// idempotent (only GET and HEAD use pooled connections). Never after a
// timeout: an origin that hangs sees the request once.
// TODO(perf): pool TLS connections too.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/http_types.h"

namespace boost::asio {
class io_context;
}

namespace verge::net {

class EgressPolicy;

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute http: or https: URL
  HeaderList headers;
  std::string body;  // TODO(perf): stream request bodies to the origin
  // Cloudflare's limits between its edge and an origin are the defaults:
  // 15 s to complete the TCP connection (its 522), 100 s from the request
  // to the response head (its "proxy read timeout", 524), and 100 s between
  // two reads of the body.
  std::chrono::milliseconds connect_timeout{15'000};
  std::chrono::milliseconds response_timeout{100'000};  // request written + head received
  std::chrono::milliseconds body_timeout{100'000};      // idle time while reading the body
  // Which addresses this request may connect to, checked for every address
  // DNS returns (and for a pooled connection's peer) before it is used.
  // Null: any address.
  std::shared_ptr<const EgressPolicy> egress;
};

struct ClientResponse {
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::shared_ptr<BodySource> body;  // never null; may be empty
};

// What kind of failure a fetch error is. Every error message starts with a
// fixed phrase per kind (see fetchErrorKind), so the kind survives layers
// that pass errors on as text (the cache engine, a worker's TypeError).
enum class FetchErrorKind {
  kInvalidRequest,  // "invalid request: ..." (bad URL, header with a line break)
  kEgressRefused,   // "egress to 127.0.0.1:8081 refused: ..."
  kUnresolvable,    // "cannot resolve ..."
  kUnreachable,     // "cannot reach ...": no route to the host or network
  kRefused,         // "connection refused by ..."
  kConnectTimeout,  // "connect timeout: ..."
  kConnectFailed,   // "cannot connect to ..." (any other connect error)
  kTls,             // "TLS handshake with ... failed", "TLS: ..."
  kResponseTimeout,  // "response timeout: ...": connected, but no response head in time
  kClosed,          // "connection closed: ...": closed or reset before a complete head
  kMalformed,       // "malformed response: ..."
  kOther,           // anything else
};

// The kind of a fetch error message (kOther for text that is not one).
FetchErrorKind fetchErrorKind(std::string_view error);

// `error` is empty on success; otherwise it says what failed (see
// FetchErrorKind) and `response` is null.
using FetchCallback =
    std::function<void(std::string_view error, std::shared_ptr<ClientResponse> response)>;

// Starts the request on `ioc`; the callback runs on the same loop.
void httpFetch(boost::asio::io_context& ioc, ClientRequest request, FetchCallback callback);

}  // namespace verge::net
