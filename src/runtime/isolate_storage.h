// The stores one isolate's bindings use, opened on first use. Each isolate
// has its own SQLite connections (a connection is used by one thread at a
// time, and an isolate runs on one thread at a time); the KV read cache is
// shared by the whole node. A D1 query polls the isolate's EntryControl, so
// the CPU limit and shutdown interrupt it, and a long one lets its loop be
// handed off.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "net/http_client.h"

namespace verge::storage {
class KvReadCache;
class KvStore;
class D1Database;
class ObjectStore;
class R2PutWriter;
}  // namespace verge::storage

namespace verge::cache {
class Store;
}

namespace boost::asio {
class io_context;
}

namespace verge::runtime {

struct WorkerScript;
class RpcSession;

// A call through a service binding: to which worker and export, with what
// ctx.props, and whether it is an RPC session rather than a fetch().
struct ServiceCall {
  std::string service;     // the worker's name
  std::string entrypoint;  // its named export; "" = the default export
  std::string props_json;  // ctx.props as JSON; "" = {}
  std::shared_ptr<RpcSession> rpc;
};

// What the node gives every runtime: where the bindings' data lives, and
// the node-wide services JS reaches through natives.
struct StorageConfig {
  std::filesystem::path data_dir;
  std::shared_ptr<storage::KvReadCache> kv_cache;  // may be null
  // The node's edge cache, behind the Cache API (caches.default and
  // caches.open); null when the node has none.
  cache::Store* cache_store = nullptr;
  // The zone a host belongs to ("" for none): the purge scope of Cache API
  // entries, so a zone purge reaches them too.
  std::function<std::string(std::string_view host)> zone_of_host;
  // Subrequests: when set, fetch() offers each request here first, with the
  // request's `cf` object as JSON ("" when none). Returning true means it
  // took the request and will call `callback` on `ioc` (a fetch() to a
  // zone's host goes through that zone's cache, as on Cloudflare).
  std::function<bool(boost::asio::io_context& ioc, net::ClientRequest& request, std::string_view cf_json,
                     net::FetchCallback& callback)>
      subrequest;
  // Service bindings: delivers `request` to the node's worker that `call`
  // names (called on the caller's home loop, whose context is `ioc`), its
  // response to `callback` on that loop. For an RPC call the response only
  // says how the callee's side ended. False when there is no such worker.
  std::function<bool(boost::asio::io_context& ioc, const ServiceCall& call, net::ClientRequest& request,
                     net::FetchCallback& callback)>
      service_fetch;
  // The ASSETS binding (Workers Static Assets): answers a request from the
  // static assets of `worker` into `out`; false when it has none. Called on
  // the isolate's thread; reads files of at most 25 MiB.
  struct AssetAnswer {
    int status = 0;
    net::HeaderList headers;
    std::string body;
  };
  std::function<bool(const WorkerScript& worker, std::string_view method, std::string_view url,
                     const net::HeaderList& headers, AssetAnswer& out)>
      assets_fetch;
};

struct EntryControl;

class IsolateStorage {
 public:
  // `config` and `control` must outlive the storage.
  IsolateStorage(const StorageConfig& config, EntryControl& control);
  ~IsolateStorage();

  // Each throws (SqliteError, R2Error) when the store cannot be opened.
  storage::KvStore& kv();
  storage::D1Database& d1(const std::string& id);
  storage::ObjectStore& r2();
  const StorageConfig& config() const { return config_; }

  // R2 puts and part uploads in progress, by id (JS holds the id while it
  // streams the body in). Owned here so they never outlive the store.
  uint32_t addWriter(std::unique_ptr<storage::R2PutWriter> writer);
  storage::R2PutWriter* writer(uint32_t id);  // null when unknown
  void removeWriter(uint32_t id);             // aborts it if not committed

 private:
  const StorageConfig& config_;
  EntryControl& control_;
  std::unique_ptr<storage::KvStore> kv_;
  std::map<std::string, std::unique_ptr<storage::D1Database>> d1_;
  std::unique_ptr<storage::ObjectStore> r2_;
  // Declared after r2_: destroyed (and aborted) before the store.
  std::map<uint32_t, std::unique_ptr<storage::R2PutWriter>> writers_;
  uint32_t next_writer_ = 1;
};

}  // namespace verge::runtime
