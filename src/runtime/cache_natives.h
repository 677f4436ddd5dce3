// The natives behind the Workers Cache API (src/js/cache_api.js):
// caches.default and caches.open(name), backed by the node's edge cache store
// (StorageConfig::cache_store). Internal to the runtime layer.
#pragma once

#include <v8.h>

namespace verge::runtime {

// Adds cacheAvailable, cachePut, cacheMatch and cacheDelete to `native`.
// `data` is the v8::External holding the WorkerIsolate, as for every native.
void installCacheNatives(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         v8::Local<v8::Object> native, v8::Local<v8::Value> data);

}  // namespace verge::runtime
