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

net::HeaderList endToEnd(const net::HeaderList& headers) {
  net::HeaderList out;
  out.reserve(headers.size());
  for (const auto& h : headers) {
    if (net::isHopByHopHeader(h.name) || namedInConnection(headers, h.name)) continue;
    out.push_back(h);
  }
  return out;
}

// Copies the origin's body to the client one chunk at a time; the next read
// starts only when the previous chunk has reached the socket.
void pumpBody(std::shared_ptr<net::Exchange> ex, std::shared_ptr<net::BodySource> body,
              std::shared_ptr<OriginTap> tap) {
  body->read([ex, body, tap](std::string_view data, std::string_view error) {
    if (!error.empty()) {
      base::logLine(base::LogLevel::kWarn, "upstream: " + std::string(error));
      ex->abort();
      return;
    }
    if (data.empty()) {
      ex->finish();
      if (tap) tap->onComplete();
      return;
    }
    if (tap) tap->onBody(data);
    ex->writeBody(data, [ex, body, tap](bool ok) {
      if (ok) pumpBody(ex, body, tap);
      else body->cancel();  // the client went away
    });
  });
}

void forward(std::shared_ptr<net::Exchange> ex, const Zone& zone, std::string request_body,
             std::shared_ptr<OriginTap> tap) {
  const net::RequestHead& head = ex->head();
  net::ClientRequest req;
  req.method = head.method;
  const std::string& target = head.target;
  req.url = zone.origin + (target.empty() || target[0] != '/' ? "/" : "") + target;
  req.headers = endToEnd(head.headers);
  std::string forwarded_for = head.remote_addr;
  for (auto it = req.headers.begin(); it != req.headers.end();) {
    if (net::iequals(it->name, "x-forwarded-for")) {
      forwarded_for = it->value + ", " + head.remote_addr;
      it = req.headers.erase(it);
    } else if (net::iequals(it->name, "x-forwarded-proto") || net::iequals(it->name, "cf-connecting-ip")) {
      it = req.headers.erase(it);  // ours to set, not the client's
    } else {
      ++it;
    }
  }
  req.headers.push_back({"x-forwarded-for", forwarded_for});
  req.headers.push_back({"x-forwarded-proto", "http"});
  req.headers.push_back({"cf-connecting-ip", head.remote_addr});
  req.body = std::move(request_body);

  int64_t request_time = static_cast<int64_t>(std::time(nullptr));
  net::httpFetch(ex->ioContext(), std::move(req),
                 [ex, &zone, tap, request_time](std::string_view error,
                                                std::shared_ptr<net::ClientResponse> resp) {
                   if (ex->closed()) {
                     if (resp) resp->body->cancel();
                     return;
                   }
                   if (!error.empty() || !resp) {
                     std::string why(error);
                     base::logLine(base::LogLevel::kWarn,
                                   "upstream: zone " + zone.name + ": " + why);
                     ex->setLogNote("zone " + zone.name + " origin-error");
                     // A connect that times out says both; the timeout is the cause.
                     if (why.find("timed out") != std::string::npos) {
                       net::sendErrorPage(*ex, 522, 522, "Connection timed out", "The origin did not answer in time.");
                     } else if (why.find("cannot connect") != std::string::npos) {
                       net::sendErrorPage(*ex, 521, 521, "Web server is down", "The origin refused the connection.");
                     } else if (why.find("cannot resolve") != std::string::npos) {
                       net::sendErrorPage(*ex, 523, 523, "Origin is unreachable", "The origin's host name does not resolve.");
                     } else {
                       net::sendErrorPage(*ex, 502, 502, "Bad gateway", "The origin's answer could not be read.");
                     }
                     return;
                   }
                   net::HeaderList headers = endToEnd(resp->headers);
                   std::optional<uint64_t> length;
                   for (auto it = headers.begin(); it != headers.end();) {
                     if (net::iequals(it->name, "content-length")) {
                       try {
                         length = std::stoull(it->value);
                       } catch (...) {
                       }
                       it = headers.erase(it);
                     } else {
                       ++it;
                     }
                   }
                   bool see_body = false;
                   if (tap) {
                     see_body = tap->onHead(resp->status, headers, length, request_time,
                                            static_cast<int64_t>(std::time(nullptr)));
                   } else {
                     // Cloudflare's word for a response the cache did not consider.
                     headers.push_back({"cf-cache-status", "DYNAMIC"});
                   }
                   ex->setLogNote("zone " + zone.name);
                   ex->writeHead(resp->status, headers, length);
                   pumpBody(ex, resp->body, see_body ? tap : nullptr);
                 });
}

// Reads the whole request body (bounded by the server's body limit), then
// forwards. TODO(perf): stream request bodies to the origin.
void readBodyThenForward(std::shared_ptr<net::Exchange> ex, const Zone& zone,
                         std::shared_ptr<net::BodySource> source, std::shared_ptr<std::string> body,
                         std::shared_ptr<OriginTap> tap) {
  source->read([ex, &zone, source, body, tap](std::string_view data, std::string_view error) {
    if (!error.empty()) {
      bool too_large = error.find("limit") != std::string_view::npos;
      int status = too_large ? 413 : 400;
      net::sendErrorPage(*ex, status, status, too_large ? "Request body too large" : "Bad request",
                std::string(error));
      return;
    }
    if (data.empty()) {
      forward(ex, zone, std::move(*body), tap);
      return;
    }
    body->append(data);
    readBodyThenForward(ex, zone, source, body, tap);
  });
}

}  // namespace

void proxyToOrigin(std::shared_ptr<net::Exchange> exchange, const Zone& zone,
                   std::shared_ptr<OriginTap> tap) {
  if (auto source = exchange->body()) {
    readBodyThenForward(exchange, zone, source, std::make_shared<std::string>(), std::move(tap));
  } else {
    forward(exchange, zone, {}, std::move(tap));
  }
}

}  // namespace verge::edge
