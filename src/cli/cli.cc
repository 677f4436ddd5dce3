#include "cli/cli.h"

#include <algorithm>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

#include "base/log.h"
#include "cli/purge_command.h"
#include "cli/storage_commands.h"
#include "edge/config.h"
#include "edge/edge_node.h"
#include "edge/geoip.h"
#include "net/server_sockets.h"

namespace fs = std::filesystem;

namespace verge::cli {

namespace {

// Runs the node until SIGINT/SIGTERM, then drains it gracefully. Signals are
// blocked in every thread and taken synchronously by one waiter thread.
sigset_t shutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

int serveUntilSignalled(edge::EdgeNode& node) {
  sigset_t set = shutdownSignals();
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    timespec tick{0, 100'000'000};
    while (!done.load()) {
      int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        base::logLine(base::LogLevel::kInfo, "shutting down: finishing in-flight requests");
        node.stop();
        break;
      }
    }
  });
  node.run();
  done = true;
  waiter.join();
  return 0;
}

int defaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// A project's site: its worker (none for an assets-only project) and its
// static assets.
edge::Site buildSite(const edge::ProjectConfig& project, const fs::path& build_dir) {
  edge::Site site;
  if (!project.main.empty()) site.worker = edge::buildWorker(project, build_dir);
  if (project.assets) site.assets = edge::loadProjectAssets(project);
  return site;
}

// Opens the GeoIP databases (none when both paths are empty), logging what
// was opened. A file that cannot be used stops the start-up: `key_of(asn)`
// names the setting it came from in the ConfigError.
std::shared_ptr<const edge::GeoIp> openGeoIp(const fs::path& city, const fs::path& asn,
                                             const std::function<std::string(bool)>& key_of) {
  if (city.empty() && asn.empty()) return nullptr;
  std::shared_ptr<const edge::GeoIp> geoip;
  try {
    geoip = edge::GeoIp::open(city, asn);
  } catch (const edge::GeoIpError& e) {
    throw edge::ConfigError(key_of(e.asn) + e.what());
  }
  for (const auto& w : geoip->warnings()) base::logLine(base::LogLevel::kWarn, w);
  base::logLine(base::LogLevel::kInfo, "request.cf geolocation from " + geoip->describe());
  return geoip;
}

struct DevArgs {
  std::string target = ".";
  uint16_t port = 8787;
  std::string ip = "127.0.0.1";
  std::vector<std::string> vars;
  std::string persist_to;
  int threads = 1;
  // --config/-c: the first names the project served (else found in
  // `target`); each further one adds a worker that only the first one's
  // service bindings reach, as `wrangler dev -c a -c b` does.
  std::vector<std::string> configs;
  std::string env;     // --env/-e
  std::vector<std::string> env_files;
  std::string geoip_database, geoip_asn_database;  // --geoip-database, --geoip-asn-database
};

// The start-up lines about a project's config: secrets read, and each key
// verge does not act on.
void reportProject(const edge::ProjectConfig& project) {
  for (const auto& f : project.secret_files) {
    base::logLine(base::LogLevel::kInfo, project.name + ": secrets from " + f.string());
  }
  for (const auto& w : project.warnings) {
    base::logLine(base::LogLevel::kWarn, project.config_file.string() + ": " + w);
  }
}

int runDev(const DevArgs& args) {
  edge::ProjectOptions load_options;
  if (!args.configs.empty()) load_options.config = args.configs[0];
  load_options.env = args.env;
  load_options.dev = true;
  for (const auto& f : args.env_files) load_options.env_files.emplace_back(f);
  edge::ProjectConfig project = edge::loadProjectConfig(args.target, load_options);
  reportProject(project);
  // Further configs: workers the first one's service bindings reach.
  std::vector<edge::ProjectConfig> others;
  for (size_t i = 1; i < args.configs.size(); ++i) {
    edge::ProjectOptions other_options = load_options;
    other_options.config = args.configs[i];
    other_options.env_files.clear();
    fs::path dir = fs::absolute(args.configs[i]).parent_path();
    others.push_back(edge::loadProjectConfig(dir.string(), other_options));
    reportProject(others.back());
    bool taken = others.back().name == project.name ||
                 std::any_of(others.begin(), others.end() - 1, [&](const auto& o) { return o.name == others.back().name; });
    if (taken) {
      throw edge::ConfigError(args.configs[i] + ": another config of this `verge dev` already names a worker \"" +
                              others.back().name + "\"; each worker needs its own name");
    }
  }
  for (const auto& kv : args.vars) {
    size_t colon = kv.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw edge::ConfigError("--var " + kv + ": expected KEY:VALUE");
    }
    project.vars[kv.substr(0, colon)] = kv.substr(colon + 1);
    project.json_vars.erase(kv.substr(0, colon));
  }
  std::vector<const edge::ProjectConfig*> all{&project};
  for (const auto& o : others) all.push_back(&o);
  auto runs = [&](const std::string& name) {
    return std::any_of(all.begin(), all.end(), [&](const auto* p) { return p->name == name; });
  };
  for (const auto* p : all) {
    for (const auto& b : p->bindings) {
      if (b.kind == runtime::Binding::Kind::kService && !runs(b.id)) {
        base::logLine(base::LogLevel::kWarn, p->name + ": service binding " + b.name + ": no worker named \"" + b.id +
                                                 "\" runs under verge dev; its calls fail (add its config: "
                                                 "`verge dev -c wrangler.toml -c ../" + b.id + "/wrangler.toml`)");
      }
    }
  }
  auto geoip = openGeoIp(args.geoip_database, args.geoip_asn_database, [](bool asn) {
    return std::string(asn ? "--geoip-asn-database " : "--geoip-database ");
  });
  fs::path data_dir = args.persist_to.empty() ? project.root / ".verge" : fs::path(args.persist_to);
  fs::create_directories(data_dir);
  std::vector<edge::Site> sites;
  sites.push_back(buildSite(project, data_dir / "build"));
  for (const auto& o : others) sites.push_back(buildSite(o, data_dir / "build"));

  edge::EdgeOptions options;
  options.server.host = args.ip;
  options.server.port = args.port;
  options.server.threads = args.threads;
  options.dev_log = true;
  options.data_dir = data_dir;
  options.geoip = std::move(geoip);
  edge::Router router;
  router.add("*", 0);
  edge::EdgeNode node(std::move(options), std::move(sites), std::move(router));
  node.bind();
  std::string host = args.ip.find(':') != std::string::npos ? "[" + args.ip + "]" : args.ip;
  std::cout << "verge dev: " << project.name << " ready on http://" << host << ":" << node.port()
            << std::endl;
  return serveUntilSignalled(node);
}

int runServe(const std::string& config_path, int threads_override) {
  edge::NodeConfig cfg = edge::loadNodeConfig(config_path);
  auto geoip = openGeoIp(cfg.geoip_database, cfg.geoip_asn_database, [&](bool asn) {
    return cfg.file.string() + ": '" + (asn ? "server.geoip_asn_database" : "server.geoip_database") + "': ";
  });
  fs::create_directories(cfg.data_dir);
  edge::Router router;
  std::vector<edge::Site> sites;
  for (size_t i = 0; i < cfg.workers.size(); ++i) {
    const auto& nw = cfg.workers[i];
    edge::ProjectOptions load_options;
    load_options.env = nw.env;
    edge::ProjectConfig project = edge::loadProjectConfig(nw.path, load_options);
    reportProject(project);
    project.name = nw.name;
    for (const auto& [k, v] : nw.vars) project.vars[k] = v;
    for (const auto& [k, v] : nw.json_vars) project.json_vars[k] = v;
    edge::Site site = buildSite(project, cfg.data_dir / "build");
    if (site.worker) {
      site.worker->origin = nw.origin;
      site.worker->egress_allow = nw.egress_allow;
    }
    sites.push_back(std::move(site));
    for (const auto& pattern : nw.routes) {
      try {
        router.add(pattern, i);
      } catch (const std::invalid_argument& e) {
        throw edge::ConfigError(cfg.file.string() + ": 'workers[" + std::to_string(i) +
                                "].routes': " + e.what());
      }
    }
  }
  // A service binding must name a worker of this node, as a deploy to
  // Cloudflare fails on one that names no worker.
  for (size_t i = 0; i < sites.size(); ++i) {
    if (!sites[i].worker) continue;
    for (const auto& b : sites[i].worker->bindings) {
      if (b.kind != runtime::Binding::Kind::kService) continue;
      bool found = std::any_of(cfg.workers.begin(), cfg.workers.end(), [&](const auto& w) { return w.name == b.id; });
      if (!found) {
        throw edge::ConfigError(cfg.file.string() + ": 'workers[" + std::to_string(i) + "]': the service binding " +
                                b.name + " names \"" + b.id + "\", which is no worker of this node");
      }
    }
  }
  std::vector<edge::Zone> zones;
  edge::Router zone_router;
  for (size_t i = 0; i < cfg.zones.size(); ++i) {
    edge::Zone zone;
    zone.name = cfg.zones[i].name;
    zone.origin = cfg.zones[i].origin;
    zone.hosts = cfg.zones[i].hosts;
    zone.cache_rules = cfg.zones[i].cache_rules;
    zone.connect_timeout = cfg.zones[i].connect_timeout;
    zone.response_timeout = cfg.zones[i].response_timeout;
    zone.body_timeout = cfg.zones[i].body_timeout;
    zones.push_back(std::move(zone));
    for (const auto& pattern : cfg.zones[i].hosts) {
      try {
        zone_router.add(pattern, i);
      } catch (const std::invalid_argument& e) {
        throw edge::ConfigError(cfg.file.string() + ": 'zones[" + std::to_string(i) + "].hosts': " + e.what());
      }
    }
  }
  edge::EdgeOptions options;
  options.server.host = cfg.listen_host;
  options.server.port = cfg.port;
  options.server.threads = threads_override > 0 ? threads_override
                           : cfg.threads > 0     ? cfg.threads
                                                 : defaultThreads();
  options.server.limits = cfg.limits;
  options.colo = cfg.colo;
  options.data_dir = cfg.data_dir;
  options.cache_memory_bytes = cfg.cache_memory_mb << 20;
  options.cache_disk_bytes = cfg.cache_disk_mb << 20;
  options.restrict_egress = true;
  options.geoip = std::move(geoip);
  if (cfg.admin.enabled) {
    options.admin.enabled = true;
    options.admin.host = cfg.admin.host;
    options.admin.port = cfg.admin.port;
    options.admin.token = cfg.admin.token;
  }
  edge::EdgeNode node(std::move(options), std::move(sites), std::move(router), std::move(zones),
                      std::move(zone_router));
  node.bind();
  std::string host = cfg.listen_host.find(':') != std::string::npos ? "[" + cfg.listen_host + "]"
                                                                     : cfg.listen_host;
  std::cerr << "verge serve: listening on http://" << host << ":" << node.port() << " with "
            << cfg.workers.size() << " worker(s) and " << cfg.zones.size() << " zone(s)" << std::endl;
  if (cfg.admin.enabled) {
    std::string admin_host = cfg.admin.host.find(':') != std::string::npos ? "[" + cfg.admin.host + "]"
                                                                           : cfg.admin.host;
    std::cerr << "verge serve: admin API on http://" << admin_host << ":" << node.adminPort() << std::endl;
  }
  return serveUntilSignalled(node);
}

}  // namespace

int runCli(int argc, char** argv) {
  // Block the shutdown signals before any thread exists (V8's platform
  // threads included), so every thread inherits the mask and only the
  // waiter in serveUntilSignalled receives them.
  sigset_t set = shutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"verge: a self-hostable edge platform that runs Cloudflare Workers code"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "verge 0.1.0");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  DevArgs dev;
  auto* dev_cmd = app.add_subcommand(
      "dev", "Run a Workers project locally (wrangler.toml / wrangler.json / a script)");
  dev_cmd->add_option("target", dev.target, "Project folder or script file (default: .)");
  dev_cmd->add_option("--port", dev.port, "Port to listen on (0 picks a free one)")
      ->capture_default_str();
  dev_cmd->add_option("--ip", dev.ip, "Address to listen on")->capture_default_str();
  dev_cmd->add_option("--var", dev.vars, "Add an env var, KEY:VALUE (repeatable)");
  dev_cmd->add_option("--persist-to", dev.persist_to,
                      "Folder for local state (default: .verge in the project)");
  dev_cmd->add_option("-c,--config", dev.configs, "The wrangler config file (default: wrangler.json, "
                      "wrangler.jsonc or wrangler.toml in the project folder); repeat it to run more "
                      "workers, which the first one reaches through service bindings");
  dev_cmd->add_option("-e,--env", dev.env, "Use the config's [env.NAME] environment");
  dev_cmd->add_option("--env-file", dev.env_files,
                      "Read secrets from this dotenv file instead of .dev.vars/.env (repeatable)");
  dev_cmd->add_option("--geoip-database", dev.geoip_database,
                      "MaxMind DB file (.mmdb, City or Country) for request.cf's location fields");
  dev_cmd->add_option("--geoip-asn-database", dev.geoip_asn_database,
                      "MaxMind ASN database (.mmdb) for request.cf.asn and asOrganization");
  dev_cmd->add_option("--threads", dev.threads, "Server threads")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();

  std::string config_path;
  int serve_threads = 0;
  auto* serve_cmd = app.add_subcommand("serve", "Run an edge node from a node config file");
  serve_cmd->add_option("--config", config_path, "Node config (TOML); see docs/config.md")
      ->required();
  serve_cmd->add_option("--threads", serve_threads,
                        "Server threads (default: server.threads, else one per core)")
      ->check(CLI::Range(1, 1024));

  std::function<int()> storage_run;
  addStorageCommands(app, storage_run);
  addPurgeCommand(app, storage_run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  base::setLogLevel(log_level == "debug" ? base::LogLevel::kDebug
                    : log_level == "warn" ? base::LogLevel::kWarn
                    : log_level == "error" ? base::LogLevel::kError
                                           : base::LogLevel::kInfo);
  // Client connections, outbound sockets, storage files and V8 all need
  // descriptors, and the default connection cap (limits.max_connections) is
  // derived from this limit: take all the kernel allows, once, before any
  // server binds.
  net::raiseFileLimit();
  try {
    if (*dev_cmd) return runDev(dev);
    if (*serve_cmd) return runServe(config_path, serve_threads);
    if (storage_run) return storage_run();
  } catch (const edge::ConfigError& e) {
    std::cerr << "verge: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    // Store refusals (KvError, D1Error, R2Error) land here with their message.
    std::cerr << "verge: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace verge::cli
