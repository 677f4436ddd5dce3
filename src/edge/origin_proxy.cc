#include "edge/origin_proxy.h"

#include <ctime>

#include "base/log.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace verge::edge {

namespace {

// Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
bool namedInConnection(const net::HeaderList& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (!net::iequals(h.name, "connection")) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view token = v.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (net::iequals(token, name)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

int64_t nowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

// Copies a body to the client one chunk at a time; the next read starts only
// when the previous chunk has reached the socket.
void pumpBody(std::shared_ptr<net::Exchange> ex, std::shared_ptr<net::BodySource> body) {
  body->read([ex, body](std::string_view data, std::string_view error) {
    if (!error.empty()) {
      base::logLine(base::LogLevel::kWarn, "upstream: " + std::string(error));
      ex->abort();
      return;
    }
    if (data.empty()) {
      ex->finish();
      return;
    }
    ex->writeBody(data, [ex, body](bool ok) {
      if (ok) pumpBody(ex, body);
      else body->cancel();  // the client went away
    });
  });
}

}  // namespace

net::HeaderList endToEnd(const net::HeaderList& headers) {
  net::HeaderList out;
  out.reserve(headers.size());
  for (const auto& h : headers) {
    if (net::isHopByHopHeader(h.name) || namedInConnection(headers, h.name)) continue;
    out.push_back(h);
  }
  return out;
}

cache::Origin zoneOrigin(boost::asio::io_context& ioc, const Zone& zone, std::string target,
                         std::string remote_addr) {
  return [&ioc, &zone, target = std::move(target), remote_addr = std::move(remote_addr)](
             cache::OriginRequest request, cache::OriginCallback callback) {
    net::ClientRequest req;
    req.method = std::move(request.method);
    req.url = zone.origin + (target.empty() || target[0] != '/' ? "/" : "") + target;
    req.headers = std::move(request.headers);
    std::string forwarded_for = remote_addr;
    for (auto it = req.headers.begin(); it != req.headers.end();) {
      if (net::iequals(it->name, "x-forwarded-for")) {
        forwarded_for = it->value + ", " + remote_addr;
        it = req.headers.erase(it);
      } else if (net::iequals(it->name, "x-forwarded-proto") || net::iequals(it->name, "cf-connecting-ip")) {
        it = req.headers.erase(it);  // ours to set, not the client's
      } else {
        ++it;
      }
    }
    req.headers.push_back({"x-forwarded-for", forwarded_for});
    req.headers.push_back({"x-forwarded-proto", "http"});
    req.headers.push_back({"cf-connecting-ip", remote_addr});
    req.body = std::move(request.body);
    int64_t request_time = nowSeconds();
    net::httpFetch(ioc, std::move(req),
                   [callback = std::move(callback), request_time](std::string_view error,
                                                                  std::shared_ptr<net::ClientResponse> resp) {
                     if (!error.empty() || !resp) {
                       callback(error.empty() ? "no response" : error, nullptr);
                       return;
                     }
                     auto out = std::make_shared<cache::OriginResponse>();
                     out->status = resp->status;
                     out->body = resp->body;
                     out->request_time = request_time;
                     out->response_time = nowSeconds();
                     out->headers = endToEnd(resp->headers);
                     for (auto it = out->headers.begin(); it != out->headers.end();) {
                       if (net::iequals(it->name, "content-length")) {
                         try {
                           out->length = std::stoull(it->value);
                         } catch (...) {
                         }
                         it = out->headers.erase(it);
                       } else {
                         ++it;
                       }
                     }
                     callback({}, std::move(out));
                   });
  };
}

void sendOriginError(net::Exchange& ex, const Zone& zone, std::string_view error) {
  std::string why(error);
  base::logLine(base::LogLevel::kWarn, "upstream: zone " + zone.name + ": " + why);
  ex.setLogNote("zone " + zone.name + " origin-error");
  // A connect that times out says both; the timeout is the cause.
  if (why.find("timed out") != std::string::npos) {
    net::sendErrorPage(ex, 522, 522, "Connection timed out", "The origin did not answer in time.");
  } else if (why.find("cannot connect") != std::string::npos) {
    net::sendErrorPage(ex, 521, 521, "Web server is down", "The origin refused the connection.");
  } else if (why.find("cannot resolve") != std::string::npos) {
    net::sendErrorPage(ex, 523, 523, "Origin is unreachable", "The origin's host name does not resolve.");
  } else {
    net::sendErrorPage(ex, 502, 502, "Bad gateway", "The origin's answer could not be read.");
  }
}

void sendResponse(std::shared_ptr<net::Exchange> ex, std::shared_ptr<cache::CacheResponse> response) {
  ex->writeHead(response->status, response->headers, response->length);
  if (response->has_parts) {
    // The whole body is in memory: no reads, no hops through the loop.
    for (auto part : response->parts) ex->writeBodyShared(part, response->owner);
    ex->finish();
    return;
  }
  pumpBody(std::move(ex), response->body);
}

}  // namespace verge::edge
