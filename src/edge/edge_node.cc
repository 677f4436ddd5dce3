#include "edge/edge_node.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>
#include <cmath>
#include <thread>

#include "base/log.h"
#include "cache/http_cache.h"
#include "cache/store.h"
#include "edge/admin_api.h"
#include "edge/cache_phase.h"
#include "edge/geoip.h"
#include "edge/service_binding.h"
#include "edge/host.h"
#include "net/egress.h"
#include "runtime/runtime.h"
#include "runtime/isolate_storage.h"
#include "storage/kv_store.h"

namespace verge::edge {

struct EdgeNode::LogBuffer {
  std::string data;
  std::unique_ptr<boost::asio::steady_timer> timer;
};

namespace {

// Every worker invocation counts down CF-EW-Via (set on each subrequest by
// the runtime): how many more this chain may make.
int invocationsLeft(const net::HeaderList& headers) {
  int invocations = runtime::kMaxWorkerInvocations;
  if (auto via = net::findHeader(headers, "cf-ew-via")) {
    int n = 0;
    auto [end, ec] = std::from_chars(via->data(), via->data() + via->size(), n);
    if (ec == std::errc() && end == via->data() + via->size()) invocations = std::min(n, invocations);
  }
  return invocations;
}

// A chain that used its invocations up gets Cloudflare's error 1019.
void sendLoopLimit(net::Exchange& exchange) {
  net::sendErrorPage(exchange, 508, 1019, "Worker hit loop limit",
                     "This request went through workers more than " +
                         std::to_string(runtime::kMaxWorkerInvocations) +
                         " times (a worker fetching itself, or workers fetching each other in a loop).");
}

// A Ray ID as Cloudflare writes it: 16 hex digits, a dash, the colo.
std::string newRayId(const std::string& colo) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(17 + colo.size(), '-');
  uint64_t bits = random();
  for (int i = 15; i >= 0; --i, bits >>= 4) id[static_cast<size_t>(i)] = kHex[bits & 0xf];
  id.replace(17, colo.size(), colo);
  return id;
}

// Allows the addresses `url`'s host has now (an operator-configured origin
// may be on a private network); start-up only, so a blocking lookup is fine.
void allowOrigin(net::EgressPolicy& policy, const std::string& url) {
  std::string host, target;
  if (!splitUrl(url, host, target)) return;
  std::string rest = url.substr(url.find("://") + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  std::string port = url.rfind("https:", 0) == 0 ? "443" : "80";
  if (size_t colon = authority.rfind(':'); colon != std::string::npos && authority.back() != ']') {
    port = authority.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return;
  for (addrinfo* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* where = a->ai_family == AF_INET6
                            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
                            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (!inet_ntop(a->ai_family, where, text, sizeof text)) continue;
    std::string entry = a->ai_family == AF_INET6 ? "[" + std::string(text) + "]:" + port : std::string(text) + ":" + port;
    std::string error;
    if (auto e = net::EgressPolicy::parseAllowEntry(entry, error)) policy.allow(std::move(*e));
  }
  freeaddrinfo(found);
}

constexpr size_t kLogFlushBytes = 16 * 1024;
constexpr auto kLogFlushInterval = std::chrono::milliseconds(100);

// Appends `s` as a JSON string literal.
void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  // Runs of printable ASCII other than '"' and '\\' (nearly every byte of
  // a method, host or path) are appended whole.
  size_t run = 0;
  auto plain = [](unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; };
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (plain(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        // Request bytes are not necessarily UTF-8: escape everything
        // outside printable ASCII so every line is valid JSON.
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// The node's cache store, with its disk tier in data_dir/cache. When that
// cannot be used (another verge process on the same data directory holds
// it, or the disk refuses), the node still serves, with a memory-only cache.
std::unique_ptr<cache::Store> openCacheStore(const EdgeOptions& options) {
  cache::StoreOptions store;
  store.memory_bytes = options.cache_memory_bytes;
  store.disk_bytes = options.cache_disk_bytes;
  if (!options.data_dir.empty()) {
    store.dir = options.data_dir / "cache";
    try {
      return std::make_unique<cache::Store>(store);
    } catch (const std::exception& e) {
      base::logLine(base::LogLevel::kWarn,
                    std::string(e.what()) + "; the edge cache runs in memory only for this process");
      store.dir.clear();
    }
  }
  return std::make_unique<cache::Store>(store);
}

}  // namespace

namespace {
std::vector<Site> workerSites(std::vector<runtime::WorkerScript> workers) {
  std::vector<Site> sites;
  for (auto& w : workers) sites.push_back(Site{std::move(w), nullptr});
  return sites;
}
}  // namespace

EdgeNode::EdgeNode(EdgeOptions options, std::vector<runtime::WorkerScript> workers, Router router,
                   std::vector<Zone> zones, Router zone_router)
    : EdgeNode(std::move(options), workerSites(std::move(workers)), std::move(router), std::move(zones),
               std::move(zone_router)) {}

EdgeNode::EdgeNode(EdgeOptions options, std::vector<Site> sites, Router router, std::vector<Zone> zones,
                   Router zone_router)
    : options_(std::move(options)),
      router_(std::move(router)),
      zones_(std::move(zones)),
      zone_router_(std::move(zone_router)),
      cache_(openCacheStore(options_)),
      http_cache_(std::make_unique<cache::HttpCache>(*cache_)) {
  bool any_worker = false;
  for (auto& site : sites) {
    any_worker |= site.worker.has_value();
    workers_.push_back(site.worker ? std::make_unique<runtime::WorkerScript>(std::move(*site.worker)) : nullptr);
    assets_.push_back(std::move(site.assets));
  }
  runtimes_.resize(static_cast<size_t>(std::max(1, options_.server.threads)));
  for (size_t i = 0; i < runtimes_.size(); ++i) log_buffers_.push_back(std::make_unique<LogBuffer>());
  runtime::initializeV8();
  runtime::allowJs();
  // One isolate per thread ready before the node listens, so a worker's
  // first request on any thread does not wait for the runtime's own JS.
  // Assets-only nodes never make one.
  if (any_worker) spares_ = std::make_unique<runtime::SpareIsolates>(runtimes_.size());
  storage_ = std::make_shared<runtime::StorageConfig>();
  storage_->data_dir = options_.data_dir;
  storage_->kv_cache = std::make_shared<storage::KvReadCache>();
  storage_->cache_store = cache_.get();
  // Service bindings: the request goes to the named worker's runtime on
  // the caller's loop, as an in-memory exchange (no socket). Posted, so the
  // target runs after the caller's JS entry, never nested in it.
  storage_->service_fetch = [this](boost::asio::io_context& ioc, const runtime::ServiceCall& call,
                                   net::ClientRequest& request, net::FetchCallback& callback) {
    const runtime::WorkerScript* target = nullptr;
    for (const auto& w : workers_) {
      if (w && w->name == call.service) target = w.get();
    }
    int loop = -1;
    for (size_t t = 0; t < runtimes_.size(); ++t) {
      if (&server_->ioContext(static_cast<int>(t)) == &ioc) loop = static_cast<int>(t);
    }
    if (!target || loop < 0) return false;
    runtime::RequestInfo info;
    info.url = request.url;
    info.colo = options_.colo;
    info.client_ip = "127.0.0.1";
    info.ray = newRayId(options_.colo);
    info.invocations_left = invocationsLeft(request.headers) - 1;
    info.entrypoint = call.entrypoint;
    info.props_json = call.props_json;
    info.rpc = call.rpc;
    auto exchange = serviceExchange(server_->loop(loop), std::move(request), std::move(callback));
    server_->loop(loop).post([this, loop, target, exchange = std::move(exchange), info = std::move(info)]() mutable {
      if (info.invocations_left < 0) {
        sendLoopLimit(*exchange);
        return;
      }
      if (auto& rt = runtimes_[static_cast<size_t>(loop)]) rt->handleRequest(*target, std::move(exchange), std::move(info));
    });
    return true;
  };
  // env.ASSETS: the asking worker's own static assets, answered as a client
  // request for them would be (with no worker behind them).
  storage_->assets_fetch = [this](const runtime::WorkerScript& worker, std::string_view method, std::string_view url,
                                  const net::HeaderList& headers, runtime::StorageConfig::AssetAnswer& out) {
    const AssetServer* assets = nullptr;
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].get() == &worker) assets = assets_[i].get();
    }
    std::string authority, target;
    if (!assets || !splitUrl(std::string(url), authority, target)) return false;
    AssetResponse plan = assets->respond(AssetRequest{method, target, hostOfAuthority(authority), &headers}, false);
    out.status = plan.status;
    out.headers = std::move(plan.headers);
    std::string chunk;
    for (const auto& piece : plan.body) {
      if (!piece.literal.empty()) {
        out.body += piece.literal;
      } else if (plan.file && plan.file->read(piece.offset, static_cast<size_t>(piece.length), chunk)) {
        out.body += chunk;
      } else {
        out.status = 500;
        out.body.clear();
        break;
      }
    }
    return true;
  };
  storage_->zone_of_host = [this](std::string_view host) -> std::string {
    if (auto z = zone_router_.match(host, "/")) return zones_[*z].name;
    return {};
  };
  // A worker's fetch() to a zone's host goes through that zone's cache to
  // its origin (not back into a worker), as on Cloudflare.
  storage_->subrequest = [this](boost::asio::io_context& ioc, net::ClientRequest& request,
                                std::string_view cf_json, net::FetchCallback& callback) {
    std::string host, target;
    if (zones_.empty() || !splitUrl(request.url, host, target)) return false;
    auto z = zone_router_.match(host, target);
    if (!z) return false;
    fetchThroughZone(ioc, zones_[*z], *http_cache_, std::move(request), cf_json, std::move(callback));
    return true;
  };

  auto server_options = options_.server;
  // Each loop gets its own runtime, made by the loop's first carrier and
  // torn down once every loop (and every thread) has stopped.
  server_options.on_loop_start = [this](int t) {
    runtimes_[static_cast<size_t>(t)] = std::make_unique<runtime::Runtime>(server_->loop(t), *storage_, spares_.get());
    auto& buffer = *log_buffers_[static_cast<size_t>(t)];
    buffer.timer = std::make_unique<boost::asio::steady_timer>(server_->ioContext(t));
    flushLog(t);
  };
  // Scripts still spinning on threads that handed their loop off would
  // otherwise run to their CPU limit before the node can exit.
  server_options.on_loops_stopped = [] { runtime::terminateAllJs(); };
  server_options.on_loop_finish = [this](int t) {
    runtimes_[static_cast<size_t>(t)].reset();
    auto& buffer = *log_buffers_[static_cast<size_t>(t)];
    buffer.timer.reset();
    if (!buffer.data.empty()) base::writeStdout(buffer.data);
    buffer.data.clear();
  };
  server_options.has_background_work = [this](int t) {
    auto& rt = runtimes_[static_cast<size_t>(t)];
    return rt && rt->hasBackgroundWork();
  };
  server_options.access_log = [this](int thread, const net::AccessRecord& r) { logAccess(thread, r); };
  server_ = std::make_unique<net::HttpServer>(
      std::move(server_options), [this](std::shared_ptr<net::Exchange> ex) { handle(std::move(ex)); });

  if (options_.admin.enabled) {
    // The admin API gets a one-thread server of its own, so a purge never
    // waits behind client traffic and the API is never exposed on the
    // public listener. Its access lines use a log buffer of their own
    // (the last one), written at once: purges are rare.
    std::vector<AdminZone> admin_zones;
    for (const auto& z : zones_) admin_zones.push_back({z.name, z.hosts, z.cache_rules});
    admin_api_ = std::make_unique<AdminApi>(std::move(admin_zones), options_.admin.token, *cache_);
    log_buffers_.push_back(std::make_unique<LogBuffer>());
    int admin_log = static_cast<int>(log_buffers_.size() - 1);
    net::HttpServer::Options admin_options;
    admin_options.host = options_.admin.host;
    admin_options.port = options_.admin.port;
    admin_options.threads = 1;
    // A few operators and scripts at a time; a flood of connections to the
    // admin port gets 503s without touching the public listener's budget.
    admin_options.limits.max_connections = 64;
    admin_options.access_log = [this, admin_log](int, const net::AccessRecord& r) {
      logAccess(admin_log, r);
      flushLog(admin_log);
    };
    admin_server_ = std::make_unique<net::HttpServer>(
        std::move(admin_options),
        [this](std::shared_ptr<net::Exchange> ex) { admin_api_->handle(std::move(ex)); });
  }
}

EdgeNode::~EdgeNode() = default;

void EdgeNode::bind() {
  server_->bind();
  if (admin_server_) {
    try {
      admin_server_->bind();
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("admin API: ") + e.what());
    }
  }
  if (options_.restrict_egress) buildEgressPolicies();
}

void EdgeNode::buildEgressPolicies() {
  for (auto& worker : workers_) {
    if (!worker) continue;
    auto policy = std::make_shared<net::EgressPolicy>();
    for (const auto& text : worker->egress_allow) {
      std::string error;
      if (auto entry = net::EgressPolicy::parseAllowEntry(text, error)) policy->allow(std::move(*entry));
    }
    // The node's own listeners: a worker fetching them would loop back
    // into the node (or reach its admin API).
    policy->addSelf(options_.server.host, server_->port());
    if (admin_server_) policy->addSelf(options_.admin.host, admin_server_->port());
    // passThroughOnException() forwards to the origin the operator named.
    if (!worker->origin.empty()) allowOrigin(*policy, worker->origin);
    worker->egress = std::move(policy);
  }
}
uint16_t EdgeNode::port() const { return server_->port(); }
uint16_t EdgeNode::adminPort() const { return admin_server_ ? admin_server_->port() : 0; }

void EdgeNode::run() {
  // The admin server runs on a thread of its own and stops with the node
  // (stop() stops both; whichever way run() ends, the admin thread is joined).
  std::thread admin;
  if (admin_server_) admin = std::thread([this] { admin_server_->run(); });
  server_->run();
  if (admin_server_) {
    admin_server_->stop();
    admin.join();
  }
}

void EdgeNode::stop() {
  server_->stop();
  if (admin_server_) admin_server_->stop();
}

EdgeNode::Target EdgeNode::route(std::string_view authority, std::string_view path) const {
  // Worker routes win over plain zone traffic, as on Cloudflare. The router
  // matches the host without its port.
  if (auto w = router_.match(authority, path)) return {workers_[*w].get(), assets_[*w].get(), nullptr};
  if (auto z = zone_router_.match(authority, path)) return {nullptr, nullptr, &zones_[*z]};
  return {};
}

void EdgeNode::handle(std::shared_ptr<net::Exchange> exchange) {
  const net::RequestHead& head = exchange->head();

  // Phase: route. One normal form of the host (host.h) for routing, the
  // cache key and what origins and workers see.
  std::optional<std::string> authority = normalizeAuthority(net::findHeader(head.headers, "host").value_or(""));
  if (!authority) {
    exchange->setLogNote("bad-host");
    net::sendErrorPage(*exchange, 400, 400, "Bad request", "The Host header is not a valid host name.");
    return;
  }
  Target target = route(*authority, head.target);
  if (target.zone) {
    // Phases: cache, then origin on a miss.
    serveZone(std::move(exchange), *target.zone, *http_cache_);
    return;
  }
  const runtime::WorkerScript* worker = target.worker;

  // Phase: assets. Static files are answered here, in C++, before the
  // worker (unless run_worker_first sends this path to the worker first);
  // what is no asset falls through to the worker. Without a worker the
  // assets answer everything.
  if (target.assets && !(worker && target.assets->workerFirst(head.target))) {
    exchange->setLogNote(worker ? worker->name + " assets" : "assets");
    if (target.assets->serve(exchange, worker != nullptr)) return;
  }
  if (!worker) {
    std::string host = authority->empty() ? "(none)" : *authority;
    std::string body = "No worker is configured for host \"" + host + "\" on this verge node.\n";
    exchange->writeHead(404, {{"content-type", "text/plain; charset=utf-8"}}, body.size());
    exchange->writeBody(body, nullptr);
    exchange->setLogNote("no-route");
    exchange->finish();
    return;
  }

  // Phase: the worker. First the loop limit.
  int invocations = invocationsLeft(head.headers);
  if (invocations <= 0) {
    exchange->setLogNote(worker->name + " loop-limit");
    sendLoopLimit(*exchange);
    return;
  }
  runtime::RequestInfo info;
  info.invocations_left = invocations - 1;
  std::string host = *authority;
  if (host.empty()) host = options_.server.host + ":" + std::to_string(server_->port());
  info.url = "http://" + host + (head.target.empty() || head.target[0] != '/' ? "/" : "") + head.target;
  info.http_protocol = head.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  info.colo = options_.colo;
  info.client_ip = head.remote_addr;
  if (options_.geoip) info.cf_geo = options_.geoip->lookupJson(head.remote_addr);
  info.ray = newRayId(options_.colo);
  // Built in place: an initializer list would copy every string once more.
  auto& edge = info.edge_headers;
  edge.reserve(5);
  edge.emplace_back("cf-connecting-ip", head.remote_addr);
  edge.emplace_back("x-real-ip", head.remote_addr);
  edge.emplace_back("x-forwarded-proto", "http");
  edge.emplace_back("cf-visitor", R"({"scheme":"http"})");
  edge.emplace_back("cf-ray", info.ray);
  runtimes_[static_cast<size_t>(exchange->loopIndex())]->handleRequest(*worker, std::move(exchange),
                                                                        std::move(info));
}

void EdgeNode::flushLog(int thread) {
  auto& buffer = *log_buffers_[static_cast<size_t>(thread)];
  if (!buffer.data.empty()) {
    base::writeStdout(buffer.data);
    buffer.data.clear();
  }
  if (!buffer.timer) return;
  buffer.timer->expires_after(kLogFlushInterval);
  buffer.timer->async_wait([this, thread](boost::system::error_code ec) {
    if (!ec) flushLog(thread);
  });
}

// Phase: log. One line per request, written by the thread's log buffer.
void EdgeNode::logAccess(int thread, const net::AccessRecord& r) {
  const auto& head = *r.head;
  std::string& out = log_buffers_[static_cast<size_t>(thread)]->data;
  if (options_.dev_log) {
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.0fms", r.duration_ms);
    out += "[verge] " + head.method + " " + head.target + " " + std::to_string(r.status) + " " +
           std::string(net::reasonPhrase(r.status)) + " (" + dur + ")" +
           (r.completed ? "" : " [aborted]") + "\n";
  } else {
    using namespace std::string_view_literals;  // lengths known at compile time
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    char num[32];
    auto number = [&](auto value) {
      out.append(num, std::to_chars(num, num + sizeof num, value).ptr);
    };
    out += "{\"ts\":"sv;
    number(ms);
    out += ",\"method\":"sv;
    appendJsonString(out, head.method);
    out += ",\"host\":"sv;
    appendJsonString(out, net::findHeader(head.headers, "host").value_or(""));
    out += ",\"target\":"sv;
    appendJsonString(out, head.target);
    out += ",\"status\":"sv;
    number(r.status);
    out += ",\"bytes\":"sv;
    number(r.bytes_sent);
    // Milliseconds with three decimals, from whole microseconds: formatting
    // a double (printf or to_chars) cost more than the rest of the line.
    out += ",\"duration_ms\":"sv;
    auto us = static_cast<uint64_t>(std::max(0.0, r.duration_ms) * 1000.0 + 0.5);
    number(us / 1000);
    char frac[4] = {'.', static_cast<char>('0' + us / 100 % 10), static_cast<char>('0' + us / 10 % 10),
                    static_cast<char>('0' + us % 10)};
    out.append(frac, sizeof frac);
    out += ",\"worker\":"sv;
    appendJsonString(out, r.note);
    out += ",\"client\":"sv;
    appendJsonString(out, head.remote_addr);
    out += r.completed ? ",\"completed\":true}\n"sv : ",\"completed\":false}\n"sv;
  }
  if (out.size() >= kLogFlushBytes) {
    base::writeStdout(out);
    out.clear();
  }
}

}  // namespace verge::edge
