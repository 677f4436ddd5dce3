// Natives of the WebSocket class (src/js/websocket.js) for a client's
// connection that a worker's 101 answer turned into a WebSocket:
//   wsUpgrade(rid, headerPairs) → id, wsSend(id, data, isText),
//   wsClose(id, code, reason); events arrive as
//   internals.wsEvent(id, "text" | "binary" | "close", data, code, wasClean).
#pragma once

#include <v8.h>

namespace verge::runtime {

void installWebSocketNatives(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> native,
                             v8::Local<v8::Value> data);

}  // namespace verge::runtime
