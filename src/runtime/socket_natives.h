// The natives behind `cloudflare:sockets` (src/js/sockets.js) and, over
// it, node:net and node:tls: outbound TCP connections (net::TcpClient) owned
// by the isolate, each belonging to the request that opened it. Internal to
// the runtime layer.
//
// A socket counts as a subrequest of its request, as on Cloudflare: against
// the 1000 per request, and it holds one of the six open-connection slots
// from connect() until it closes (a seventh waits for a slot). It obeys the
// worker's egress policy exactly as fetch() does (the same resolver, the
// same checks). It closes when its request ends.
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds to `native` (all on the isolate's thread, inside an entry):
//   socketConnect(host, port, secure) -> [id, Promise<[remoteAddress, localAddress]>]
//     secure: 0 plain, 1 TLS at once, 2 plain with startTls() allowed.
//     Throws outside a request and past the subrequest limit. The promise
//     rejects with an Error when the connection cannot be made.
//   socketRead(id) -> Promise<Uint8Array | null>  (null: end of stream)
//   socketWrite(id, bytes) -> Promise<undefined>  (once the kernel has them)
//   socketShutdown(id) -> Promise<undefined>      (half-close: FIN)
//   socketStartTls(id, host) -> Promise<[remoteAddress, localAddress]>
//   socketClose(id)                                (at once; idempotent)
// `data` is the v8::External holding the WorkerIsolate, as for every native.
void installSocketNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native,
                          v8::Local<v8::Value> data);

}  // namespace verge::runtime
