// The runtime as the edge sees it: one Runtime per event loop owns that
// loop's V8 isolates (per worker, created on first use) and runs requests
// through them. A worker normally has one isolate per loop; a request that
// finds it busy with a long entry (its loop handed off, see
// worker_isolate.h) waits a moment for it, then gets an isolate of its own
// (a few at most), so the worker's other requests do not wait behind a
// spinning one.
// Nothing here is shared across loops except the immutable WorkerScript.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace verge::net {
class Exchange;
class EventLoop;
}  // namespace verge::net

namespace verge::runtime {

struct WorkerScript;
struct StorageConfig;
class RpcSession;

// Request facts that are not in the HTTP head (the `request.cf` object),
// and what the node tracks across worker invocations.
struct RequestInfo {
  std::string url;  // absolute URL as the worker sees it
  std::string http_protocol = "HTTP/1.1";
  std::string tls_version;  // empty for plain HTTP
  std::string colo = "LOCAL";
  std::string client_ip;
  // request.cf's geolocation fields as a JSON object ({"country":"DE",...}),
  // from the node's GeoIP databases (edge/geoip.h); empty for none.
  std::string cf_geo;
  // The request's Ray ID ("<16 hex digits>-<colo>"): the cf-ray header of
  // the request and of its response, as on Cloudflare; empty for none.
  std::string ray;
  // Headers a Cloudflare edge sets on the request it gives a worker
  // (cf-connecting-ip, x-real-ip, x-forwarded-proto, cf-visitor, cf-ray);
  // a client's own headers of those names are dropped.
  std::vector<std::pair<std::string, std::string>> edge_headers;
  // Further worker invocations this request's subrequests may cause (sent
  // on as Cloudflare's CF-EW-Via loop-detection header).
  int invocations_left = 15;
  // Set for a call through a service binding: the worker's export that
  // takes it ("" = the default export), its ctx.props as JSON ("" = {}),
  // and, for an RPC call rather than fetch(), the session it serves.
  std::string entrypoint;
  std::string props_json;
  std::shared_ptr<RpcSession> rpc;
};

// How many worker invocations one chain of subrequests may make, as on
// Cloudflare: the 17th gets error 1019 (the CF-EW-Via header counts down).
constexpr int kMaxWorkerInvocations = 16;

// Process-wide V8 set-up; call once before any Runtime is created.
void initializeV8();

// Terminates JS running anywhere in the process now, and lets no new JS
// start (shutdown: entries on threads that handed their loop off would
// otherwise run to their CPU limit).
void terminateAllJs();
bool jsStopped();
// Lets JS run again (a new node in the same process).
void allowJs();

class WorkerIsolate;

// Isolates made ahead of need: the runtime's own JS loaded, no worker in
// them yet (WorkerIsolate::prepare). The first isolate of a worker on a
// loop is taken from here when one is ready, so a never-loaded worker's
// first request pays only for the worker's own code; a background thread,
// at low priority, makes the next one. One per node.
class SpareIsolates {
 public:
  // Keeps `count` spares ready; the first min(count, 4) are made before
  // the constructor returns (so before the node listens).
  explicit SpareIsolates(size_t count);
  ~SpareIsolates();
  SpareIsolates(const SpareIsolates&) = delete;
  SpareIsolates& operator=(const SpareIsolates&) = delete;

  // A spare that can take a worker with this heap limit, or null.
  std::shared_ptr<WorkerIsolate> take(size_t heap_bytes);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

class Runtime {
 public:
  // `loop` is the event loop this runtime belongs to; `storage` says where
  // the bindings' data lives; `spares` (optional) gives it prepared
  // isolates. All must outlive the Runtime.
  Runtime(net::EventLoop& loop, const StorageConfig& storage, SpareIsolates* spares = nullptr);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs `script`'s fetch handler for the exchange, on the loop's carrier.
  // The worker is loaded into an isolate on first use. `script` must
  // outlive the Runtime.
  void handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                     RequestInfo info);

  // Whether any isolate still has waitUntil work or in-flight requests.
  bool hasBackgroundWork() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verge::runtime
