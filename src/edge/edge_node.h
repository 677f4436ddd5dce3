// An edge node: the HTTP server, the routes, and a runtime per thread. A
// request goes through named phases (see EdgeNode::handle): routing, the
// worker, and logging. The cache phase joins between routing and the worker.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edge/assets.h"
#include "edge/origin_proxy.h"
#include "edge/router.h"
#include "net/http_server.h"
#include "runtime/worker_script.h"

namespace verge::cache {
class HttpCache;
class Store;
}

namespace verge::runtime {
class Runtime;
class SpareIsolates;
struct StorageConfig;
}

namespace verge::edge {

class AdminApi;
class GeoIp;

struct EdgeOptions {
  net::HttpServer::Options server;
  std::string colo = "LOCAL";
  bool dev_log = false;  // short human access-log lines instead of JSON
  std::filesystem::path data_dir;  // KV, D1, R2 and cache data (dev: --persist-to)
  // The edge cache's budgets; its disk tier lives in data_dir/cache.
  uint64_t cache_memory_bytes = 256ull << 20;
  uint64_t cache_disk_bytes = 4ull << 30;
  // Whether workers' fetch() goes through an egress policy (verge serve):
  // no private, loopback or link-local address, nor this node's own
  // listeners, unless a worker's egress_allow says so. verge dev reaches
  // anything, as wrangler dev does.
  bool restrict_egress = false;
  // request.cf's geolocation fields come from these databases (looked up
  // per request that reaches a worker); none without.
  std::shared_ptr<const GeoIp> geoip;
  // The admin API (purge); off unless a port is configured.
  struct Admin {
    bool enabled = false;
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0 picks a free port
    std::string token;  // bearer token every admin request must carry
  } admin;
};

// What a worker route leads to: a project's worker, its static assets, or
// both (at least one of the two).
struct Site {
  std::optional<runtime::WorkerScript> worker;  // none: an assets-only project
  std::shared_ptr<const AssetServer> assets;    // none: the project has no `assets`
};

class EdgeNode {
 public:
  // `router` maps hosts/paths to indexes of `sites`; `zone_router` maps
  // hosts to indexes of `zones`, for requests no worker route takes.
  EdgeNode(EdgeOptions options, std::vector<Site> sites, Router router, std::vector<Zone> zones = {},
           Router zone_router = {});
  // Sites that are workers only.
  EdgeNode(EdgeOptions options, std::vector<runtime::WorkerScript> workers, Router router,
           std::vector<Zone> zones = {}, Router zone_router = {});
  ~EdgeNode();

  // Binds the listeners (throws on failure); port() is valid afterwards.
  void bind();
  uint16_t port() const;
  // The admin API's port once bound; 0 without an admin listener.
  uint16_t adminPort() const;
  // Serves until stop(); returns after a graceful drain.
  void run();
  void stop();

 private:
  // Phase: route. Which site (worker and/or assets), or else which zone,
  // serves this host and path.
  struct Target {
    const runtime::WorkerScript* worker = nullptr;
    const AssetServer* assets = nullptr;
    const Zone* zone = nullptr;
  };
  Target route(std::string_view authority, std::string_view path) const;
  void handle(std::shared_ptr<net::Exchange> exchange);
  void logAccess(int thread, const net::AccessRecord& record);
  // Builds each worker's egress policy once the listeners' ports are known.
  void buildEgressPolicies();

  // Access-log lines are buffered per thread and written in batches (at
  // 16 KiB, every 100 ms, and at shutdown), like nginx's `buffer=`: one
  // write per request would be a system call per request.
  struct LogBuffer;
  void flushLog(int thread);

  EdgeOptions options_;
  std::vector<std::unique_ptr<LogBuffer>> log_buffers_;
  // One per site, in router order; null for an assets-only site.
  std::vector<std::unique_ptr<runtime::WorkerScript>> workers_;
  std::vector<std::shared_ptr<const AssetServer>> assets_;  // null for a worker-only site
  Router router_;
  std::vector<Zone> zones_;
  Router zone_router_;
  std::unique_ptr<cache::Store> cache_;  // shared by every thread
  std::unique_ptr<cache::HttpCache> http_cache_;  // the engine over cache_
  std::shared_ptr<runtime::StorageConfig> storage_;
  std::unique_ptr<runtime::SpareIsolates> spares_;  // null when the node has no workers
  std::vector<std::unique_ptr<runtime::Runtime>> runtimes_;  // one per thread
  std::unique_ptr<net::HttpServer> server_;
  // The admin API (options_.admin): its own one-thread server, started and
  // stopped with server_. Declared after cache_, which it purges.
  std::unique_ptr<AdminApi> admin_api_;
  std::unique_ptr<net::HttpServer> admin_server_;
};

}  // namespace verge::edge
