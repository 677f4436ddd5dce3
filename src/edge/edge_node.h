// An edge node: the HTTP server, the routes, and a runtime per thread. A
// request goes through named phases (see EdgeNode::handle): routing, the
// worker, and logging. The cache phase joins between routing and the worker.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "edge/origin_proxy.h"
#include "edge/router.h"
#include "net/http_server.h"
#include "runtime/worker_script.h"

namespace verge::cache {
class MemoryCache;
}

namespace verge::runtime {
class Runtime;
struct StorageConfig;
}

namespace verge::edge {

struct EdgeOptions {
  net::HttpServer::Options server;
  std::string colo = "LOCAL";
  bool dev_log = false;  // short human access-log lines instead of JSON
  std::filesystem::path data_dir;  // KV, D1 and R2 data (dev: --persist-to)
};

class EdgeNode {
 public:
  // `router` maps hosts/paths to indexes of `workers`; `zone_router` maps
  // hosts to indexes of `zones`, for requests no worker route takes.
  EdgeNode(EdgeOptions options, std::vector<runtime::WorkerScript> workers, Router router,
           std::vector<Zone> zones = {}, Router zone_router = {});
  ~EdgeNode();

  // Binds the listeners (throws on failure); port() is valid afterwards.
  void bind();
  uint16_t port() const;
  // Serves until stop(); returns after a graceful drain.
  void run();
  void stop();

 private:
  // Phase: route. Which worker, or else which zone, serves this host and path.
  struct Target {
    const runtime::WorkerScript* worker = nullptr;
    const Zone* zone = nullptr;
  };
  Target route(const net::RequestHead& head) const;
  void handle(std::shared_ptr<net::Exchange> exchange);
  void logAccess(int thread, const net::AccessRecord& record);

  // Access-log lines are buffered per thread and written in batches (at
  // 16 KiB, every 100 ms, and at shutdown), like nginx's `buffer=`: one
  // write per request would be a system call per request.
  struct LogBuffer;
  void flushLog(int thread);

  EdgeOptions options_;
  std::vector<std::unique_ptr<LogBuffer>> log_buffers_;
  std::vector<std::unique_ptr<runtime::WorkerScript>> workers_;
  Router router_;
  std::vector<Zone> zones_;
  std::unique_ptr<cache::MemoryCache> cache_;  // shared by every thread
  Router zone_router_;
  std::shared_ptr<runtime::StorageConfig> storage_;
  std::vector<std::unique_ptr<runtime::Runtime>> runtimes_;  // one per thread
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace verge::edge
