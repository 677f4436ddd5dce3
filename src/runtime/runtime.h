// The runtime as the edge sees it: one Runtime per server thread owns that
// thread's V8 isolates (one per worker, created on first use) and runs
// requests through them. Nothing here is shared across threads except the
// immutable WorkerScript.
#pragma once

#include <memory>
#include <string>

namespace verge::net {
class Exchange;
}

namespace verge::runtime {

struct WorkerScript;
struct StorageConfig;

// Request facts that are not in the HTTP head (the `request.cf` object).
struct RequestInfo {
  std::string url;  // absolute URL as the worker sees it
  std::string http_protocol = "HTTP/1.1";
  std::string tls_version;  // empty for plain HTTP
  std::string colo = "LOCAL";
  std::string client_ip;
};

// Process-wide V8 set-up; call once before any Runtime is created.
void initializeV8(int worker_threads);

// Total background work (waitUntil promises, pending timers for in-flight
// requests) per thread, used to drain gracefully.
class Runtime {
 public:
  // `thread` is the server thread this runtime belongs to; `storage` says
  // where the bindings' data lives.
  Runtime(int thread, const StorageConfig& storage);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs `script`'s fetch handler for the exchange. The worker is loaded into
  // this thread's isolate on first use. `script` must outlive the Runtime.
  void handleRequest(const WorkerScript& script, std::shared_ptr<net::Exchange> exchange,
                     RequestInfo info);

  // Whether any isolate still has waitUntil work or in-flight requests.
  bool hasBackgroundWork() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verge::runtime
