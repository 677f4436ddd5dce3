// Service bindings: a worker's env.SVC.fetch() delivered to another worker
// of the same node without a socket. The request becomes an Exchange that
// the target worker's runtime serves like a client's; what the target
// writes becomes the caller's fetch() response, streamed (each chunk is
// acknowledged once the caller has read it, so a slow reader holds the
// writer back).
#pragma once

#include <memory>

#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace verge::edge {

// An exchange on `loop` whose request is `request` and whose response goes
// to `callback` (on the same loop): the head as soon as it is written, the
// body as a BodySource.
std::shared_ptr<net::Exchange> serviceExchange(net::EventLoop& loop, net::ClientRequest request,
                                               net::FetchCallback callback);

}  // namespace verge::edge
