// A client's WebSocket upgrade to a zone's host, proxied to the zone's
// origin as a CDN does: the handshake goes to the origin (with the headers
// any request to it gets, origin_proxy.h); its 101 joins the client's
// connection and the origin's into one tunnel of raw bytes, each side read
// only as fast as the other takes the bytes; the tunnel closes when either
// side does, or after the zone's body_timeout (100 s, Cloudflare's) with no
// byte either way. Another answer is relayed as a response (a body with a
// Content-Length or up to the origin's close; a chunked one is refused with
// a 502). Origin failures get Cloudflare's 52x pages.
#pragma once

#include <memory>
#include <string>

#include "edge/origin_proxy.h"

namespace verge::net {
class Exchange;
}

namespace verge::edge {

// `exchange`'s request (a WebSocket upgrade, net::isWebSocketUpgrade) to
// the zone's host `authority`. On the exchange's loop; `zone` must outlive
// the tunnel.
void proxyWebSocket(std::shared_ptr<net::Exchange> exchange, const Zone& zone, std::string authority);

}  // namespace verge::edge
