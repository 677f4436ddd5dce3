// Configuration the edge reads from disk: a project's wrangler config
// (wrangler.toml / wrangler.json / wrangler.jsonc) and the node config of
// `verge serve`. Parse errors throw ConfigError naming the file, the key and
// the problem, in one line a user can act on.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cache/rules.h"
#include "edge/bundle.h"
#include "edge/assets.h"
#include "net/http_server.h"
#include "runtime/worker_script.h"

namespace verge::edge {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The keys of a wrangler config that verge understands.
struct ProjectConfig {
  std::filesystem::path root;         // folder holding the config (or the script)
  std::filesystem::path config_file;  // empty for a bare script
  std::string name;
  std::string main;  // path relative to root
  std::string compatibility_date;
  std::vector<std::string> compatibility_flags;
  std::map<std::string, std::string> vars;       // string vars
  std::map<std::string, std::string> json_vars;  // numbers, booleans, objects: as JSON text
  std::optional<int64_t> cpu_ms;
  std::vector<runtime::Binding> bindings;  // kv_namespaces, d1_databases, r2_buckets
  // migrations_dir per D1 binding name (default "migrations").
  std::map<std::string, std::string> d1_migrations_dirs;
  // Bundling, as wrangler does it (bundle.h).
  std::map<std::string, std::string> define;  // [define]
  std::map<std::string, std::string> alias;   // [alias]
  std::vector<ModuleRule> rules;              // [[rules]]
  bool no_bundle = false;
  bool find_additional_modules = false;  // with no_bundle: every rule-matching file is a module
  std::string base_dir;                  // where to look (default: the folder of `main`)
  bool minify = false;
  std::string jsx_factory, jsx_fragment, tsconfig;
  std::string build_command;  // [build] command, run before bundling
  std::string build_cwd;      // relative to root
  // Where secrets came from (.dev.vars, .env files), for the start-up line.
  std::vector<std::filesystem::path> secret_files;
  // One line per key verge does not act on (printed at start).
  std::vector<std::string> warnings;
  // The `assets` key: static assets served before the worker (or alone: a
  // project with assets and no `main` is an assets-only project).
  std::optional<AssetsConfig> assets;
};

struct ProjectOptions {
  std::filesystem::path config;  // --config: the wrangler config file to use
  std::string env;               // --env: [env.NAME] applies
  // `verge dev`: secrets from .dev.vars[.<env>] or, without one, the .env
  // files (.env, .env.local, .env.<env>, .env.<env>.local), as wrangler
  // reads them; or from `env_files` (--env-file) instead.
  bool dev = false;
  std::vector<std::filesystem::path> env_files;
};

// Loads a project from a folder (looking for wrangler.json, wrangler.jsonc
// and wrangler.toml in that order, as wrangler does), from a single script
// file, or from options.config.
ProjectConfig loadProjectConfig(const std::filesystem::path& path, const ProjectOptions& options = {});

// Reads a dotenv file (KEY=VALUE lines, `export` prefixes, # comments,
// single, double and backtick quotes, multi-line quoted values) into
// `out`, later files overriding earlier ones. Throws ConfigError naming the
// file and line of a malformed line.
void readDotenv(const std::filesystem::path& file, std::map<std::string, std::string>& out);

// Turns a project into a runnable worker: runs its [build] command, then
// bundles its main module as wrangler does (bundle.h), unless no_bundle.
// Build output goes under `build_dir`. Every file the worker uses must be
// inside the project folder (by real path) or a node_modules folder above
// it; anything else throws ConfigError naming the file and the import that
// led there.
runtime::WorkerScript buildWorker(const ProjectConfig& project,
                                  const std::filesystem::path& build_dir);

// Loads a project's static assets (project.assets must be set). Lines of
// _headers / _redirects that break a rule and symlinks that leave the folder
// are logged as warnings and skipped; a missing folder or a file over the
// limits throws ConfigError naming the config file.
std::shared_ptr<const AssetServer> loadProjectAssets(const ProjectConfig& project);

// One worker a node serves and the routes that lead to it.
struct NodeWorker {
  std::string name;
  std::filesystem::path path;       // project folder or script
  std::string env;                  // the project's [env.NAME] to apply, if any
  std::vector<std::string> routes;  // "host", "*.host", "host/path*"
  std::string origin;               // for passThroughOnException, optional
  std::map<std::string, std::string> vars;  // added to the project's vars
  std::map<std::string, std::string> json_vars;
  // Addresses its fetch() may reach although the egress policy refuses
  // them by default (private, loopback, ...): "10.0.0.0/8", "127.0.0.1:9000".
  std::vector<std::string> egress_allow;
};

// A zone: hostnames whose traffic goes to an origin, as a CDN edge proxies a
// site (requests that a worker route does not take).
struct NodeZone {
  std::string name;
  std::vector<std::string> hosts;  // route patterns, as for workers
  std::string origin;              // http:// or https:// base URL
  // Origin limits (Cloudflare's defaults): TCP connect (522), request to
  // response head (524), idle time while reading the body.
  std::chrono::milliseconds connect_timeout{15'000};
  std::chrono::milliseconds response_timeout{100'000};
  std::chrono::milliseconds body_timeout{100'000};
  // [[zones.cache_rules]], in order; later rules override earlier ones field
  // by field. Header names in cache keys are lowercase, extensions lowercase
  // without the dot.
  std::vector<cache::CacheRule> cache_rules;
};

// [admin]: the admin API (purge) on its own listener.
struct NodeAdmin {
  bool enabled = false;  // true when the file has an [admin] section
  std::string host = "127.0.0.1";
  uint16_t port = 8081;
  std::string token;      // the bearer token; never empty when enabled (see loadNodeConfig)
  std::string token_env;  // the variable `token` came from, when token_env was used
};

struct NodeConfig {
  std::filesystem::path file;
  std::string listen_host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 0;  // 0 = number of cores
  std::string colo = "LOCAL";
  std::filesystem::path data_dir = "verge-data";  // relative to the config file
  // server.geoip_database / server.geoip_asn_database: MaxMind DB files
  // (.mmdb) that request.cf's geolocation fields come from (edge/geoip.h);
  // empty when not configured. Absolute, or made so against the file.
  std::filesystem::path geoip_database, geoip_asn_database;
  net::ServerLimits limits;
  std::vector<NodeWorker> workers;
  std::vector<NodeZone> zones;
  // [cache]: budgets of the edge cache's tiers (the disk tier lives in
  // data_dir/cache).
  uint64_t cache_memory_mb = 256;
  uint64_t cache_disk_mb = 4096;
  NodeAdmin admin;
};

// Reads and validates a node config. With `resolve_token_env` false (for
// `verge purge`, which may get its token elsewhere), an [admin] token_env
// naming an unset variable leaves admin.token empty instead of failing.
NodeConfig loadNodeConfig(const std::filesystem::path& file, bool resolve_token_env = true);

}  // namespace verge::edge
