// HTTP/1.1 client for subrequests (a worker's fetch(), the cache's origin
// requests): http and https. GET and HEAD to plain-HTTP origins reuse idle
// keep-alive connections of the same event loop; everything else uses one
// connection per request.
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

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute http: or https: URL
  HeaderList headers;
  std::string body;  // TODO(perf): stream request bodies to the origin
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds response_timeout{100'000};  // until the head arrives
};

struct ClientResponse {
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::shared_ptr<BodySource> body;  // never null; may be empty
};

// `error` is empty on success; otherwise it says what failed (resolve,
// connect, TLS, write, read, timeout) and `response` is null.
using FetchCallback =
    std::function<void(std::string_view error, std::shared_ptr<ClientResponse> response)>;

// Starts the request on `ioc`; the callback runs on the same loop.
void httpFetch(boost::asio::io_context& ioc, ClientRequest request, FetchCallback callback);

}  // namespace verge::net
