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

bool isUnkeyedRewriteHeader(std::string_view name) {
  // Each of these makes some framework or proxy answer for another host,
  // URL, scheme, method or client than the request line and Host say
  // (PortSwigger's "Practical Web Cache Poisoning" and "Web Cache
  // Entanglement", and Param Miner's header list).
  static constexpr std::string_view kExact[] = {
      "forwarded",              // RFC 7239: for=, host=, proto=
      "x-host",                 // host overrides
      "x-original-host",
      "x-http-host-override",
      "x-original-url",         // URL overrides (IIS, Symfony, Zend, Laravel)
      "x-original-uri",
      "x-rewrite-url",
      "x-envoy-original-path",
      "x-request-uri",
      "x-http-method-override",  // method overrides (Rails, Express, Symfony)
      "x-http-method",
      "x-method-override",
      "x-real-ip",              // client address overrides (nginx realip, Akamai)
      "true-client-ip",
      "x-client-ip",
      "x-cluster-client-ip",
      "front-end-https",        // scheme overrides (Microsoft, Rack)
      "x-url-scheme",
  };
  for (std::string_view exact : kExact) {
    if (net::iequals(name, exact)) return true;
  }
  auto starts = [&](std::string_view prefix) {
    return name.size() >= prefix.size() && net::iequals(name.substr(0, prefix.size()), prefix);
  };
  // Every X-Forwarded-* (Host, Proto, Port, Scheme, Server, Prefix, SSL,
  // Uri, Path ...) but X-Forwarded-For, which verge appends to. CF-* are
  // Cloudflare's to set (CF-Connecting-IP, CF-Visitor, CF-IPCountry ...):
  // origins moved from Cloudflare trust them.
  if (starts("x-forwarded-")) return !net::iequals(name, "x-forwarded-for");
  return starts("cf-");
}

net::HeaderList originRequestHeaders(net::HeaderList headers, std::string_view authority,
                                     std::string_view remote_addr) {
  std::string forwarded_for(remote_addr);
  std::string previous;
  std::erase_if(headers, [&](const net::HeaderPair& h) {
    if (net::iequals(h.name, "x-forwarded-for")) {
      // Several lines are one list (RFC 9110 §5.3).
      previous += (previous.empty() ? "" : ", ") + h.value;
      return true;
    }
    return net::iequals(h.name, "host") || isUnkeyedRewriteHeader(h.name);
  });
  if (!previous.empty()) forwarded_for = previous + ", " + forwarded_for;
  // Host goes first, as a client writes it.
  if (!authority.empty()) headers.insert(headers.begin(), {"host", std::string(authority)});
  headers.push_back({"x-forwarded-for", std::move(forwarded_for)});
  headers.push_back({"x-forwarded-proto", "http"});
  headers.push_back({"cf-connecting-ip", std::string(remote_addr)});
  return headers;
}

cache::Origin zoneOrigin(boost::asio::io_context& ioc, const Zone& zone, std::string target,
                         std::string authority, std::string remote_addr) {
  return [&ioc, &zone, target = std::move(target), authority = std::move(authority),
          remote_addr = std::move(remote_addr)](cache::OriginRequest request, cache::OriginCallback callback) {
    net::ClientRequest req;
    req.method = std::move(request.method);
    req.url = zone.origin + (target.empty() || target[0] != '/' ? "/" : "") + target;
    req.headers = originRequestHeaders(std::move(request.headers), authority, remote_addr);
    req.body = std::move(request.body);
    req.connect_timeout = zone.connect_timeout;
    req.response_timeout = zone.response_timeout;
    req.body_timeout = zone.body_timeout;
    // Zone origins are the operator's: no egress policy applies to them.
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

int originErrorStatus(std::string_view error) {
  switch (net::fetchErrorKind(error)) {
    case net::FetchErrorKind::kRefused: return 521;
    case net::FetchErrorKind::kConnectTimeout: return 522;
    case net::FetchErrorKind::kUnresolvable:
    case net::FetchErrorKind::kUnreachable: return 523;
    case net::FetchErrorKind::kResponseTimeout: return 524;
    default: return 502;
  }
}

void sendOriginError(net::Exchange& ex, const Zone& zone, std::string_view error) {
  std::string why(error);
  base::logLine(base::LogLevel::kWarn, "upstream: zone " + zone.name + ": " + why);
  ex.setLogNote("zone " + zone.name + " origin-error");
  switch (int status = originErrorStatus(error)) {
    case 521:
      net::sendErrorPage(ex, status, status, "Web server is down", "The origin refused the connection.");
      break;
    case 522:
      net::sendErrorPage(ex, status, status, "Connection timed out", "The origin did not accept the connection in time.");
      break;
    case 523:
      net::sendErrorPage(ex, status, status, "Origin is unreachable", "The origin's host name does not resolve, or there is no route to it.");
      break;
    case 524:
      net::sendErrorPage(ex, status, status, "A timeout occurred", "The origin accepted the connection but did not answer in time.");
      break;
    default:
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
