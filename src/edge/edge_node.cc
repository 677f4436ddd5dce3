#include "edge/edge_node.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "runtime/runtime.h"

namespace verge::edge {

EdgeNode::EdgeNode(EdgeOptions options, std::vector<runtime::WorkerScript> workers, Router router)
    : options_(std::move(options)), router_(std::move(router)) {
  for (auto& w : workers) workers_.push_back(std::make_unique<runtime::WorkerScript>(std::move(w)));
  runtimes_.resize(static_cast<size_t>(std::max(1, options_.server.threads)));
  runtime::initializeV8(static_cast<int>(runtimes_.size()));

  auto server_options = options_.server;
  // Each thread builds and tears down its own runtime, so isolates are
  // created and disposed on the thread that uses them.
  server_options.on_thread_start = [this](int t) {
    runtimes_[static_cast<size_t>(t)] = std::make_unique<runtime::Runtime>(t);
  };
  server_options.on_thread_stop = [this](int t) { runtimes_[static_cast<size_t>(t)].reset(); };
  server_options.has_background_work = [this](int t) {
    auto& rt = runtimes_[static_cast<size_t>(t)];
    return rt && rt->hasBackgroundWork();
  };
  server_options.access_log = [this](const net::AccessRecord& r) { logAccess(r); };
  server_ = std::make_unique<net::HttpServer>(
      std::move(server_options), [this](std::shared_ptr<net::Exchange> ex) { handle(std::move(ex)); });
}

EdgeNode::~EdgeNode() = default;

void EdgeNode::bind() { server_->bind(); }
uint16_t EdgeNode::port() const { return server_->port(); }
void EdgeNode::run() { server_->run(); }
void EdgeNode::stop() { server_->stop(); }

const runtime::WorkerScript* EdgeNode::route(const net::RequestHead& head) const {
  std::string_view host = net::findHeader(head.headers, "host").value_or("");
  std::string_view path = head.target;
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
    // absolute-form: the host is in the target
    size_t start = path.find("//") + 2;
    size_t slash = path.find('/', start);
    host = path.substr(start, slash - start);
    path = slash == std::string_view::npos ? "/" : path.substr(slash);
  }
  auto target = router_.match(host, path);
  return target ? workers_[*target].get() : nullptr;
}

void EdgeNode::handle(std::shared_ptr<net::Exchange> exchange) {
  const net::RequestHead& head = exchange->head();

  // Phase: route.
  const runtime::WorkerScript* worker = route(head);
  if (!worker) {
    std::string host(net::findHeader(head.headers, "host").value_or("(none)"));
    std::string body = "No worker is configured for host \"" + host + "\" on this verge node.\n";
    exchange->writeHead(404, {{"content-type", "text/plain; charset=utf-8"}}, body.size());
    exchange->writeBody(body, nullptr);
    exchange->setLogNote("no-route");
    exchange->finish();
    return;
  }

  // Phase: the worker.
  runtime::RequestInfo info;
  std::string_view target = head.target;
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    info.url = std::string(target);
  } else {
    std::string host(net::findHeader(head.headers, "host").value_or(""));
    if (host.empty()) host = options_.server.host + ":" + std::to_string(server_->port());
    info.url = "http://" + host + (target.empty() || target[0] != '/' ? "/" : "") + std::string(target);
  }
  info.http_protocol = head.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  info.colo = options_.colo;
  info.client_ip = head.remote_addr;
  runtimes_[static_cast<size_t>(exchange->threadIndex())]->handleRequest(*worker, std::move(exchange),
                                                                          std::move(info));
}

// Phase: log. One line per request.
void EdgeNode::logAccess(const net::AccessRecord& r) const {
  const auto& head = *r.head;
  if (options_.dev_log) {
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.0fms", r.duration_ms);
    std::string line = "[verge] " + head.method + " " + head.target + " " + std::to_string(r.status) +
                       " " + std::string(net::reasonPhrase(r.status)) + " (" + dur + ")" +
                       (r.completed ? "" : " [aborted]") + "\n";
    base::writeStdout(line);
    return;
  }
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  nlohmann::json j = {
      {"ts", ms},
      {"method", head.method},
      {"host", std::string(net::findHeader(head.headers, "host").value_or(""))},
      {"target", head.target},
      {"status", r.status},
      {"bytes", r.bytes_sent},
      {"duration_ms", std::round(r.duration_ms * 1000) / 1000},
      {"worker", std::string(r.note)},
      {"client", head.remote_addr},
      {"completed", r.completed},
  };
  base::writeStdout(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace verge::edge
