// What a worker is made of: its modules, its vars and its limits. Built by the
// edge layer from wrangler config (dev) or the node config (serve); immutable
// once built and shared by every thread's isolate of that worker.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace verge::net {
class EgressPolicy;
}

namespace verge::runtime {

struct ModuleSource {
  // What the module is, as wrangler's module rules name the types: an ES
  // module, or a file whose content is the default export: a string
  // (Text), an ArrayBuffer (Data), a WebAssembly.Module (CompiledWasm), or
  // the parsed value (JSON).
  enum class Type { kEsm, kText, kData, kWasm, kJson };
  std::string name;  // path relative to the project root, e.g. "src/index.js"
  std::string code;  // the source, or the file's bytes
  Type type = Type::kEsm;
};

// A binding: env[name] talks to the store `id` names (KV, D1, R2), or is
// workerd's unsafe eval (wrangler's [[unsafe.bindings]] type "unsafe_eval").
struct Binding {
  enum class Kind { kKv, kD1, kR2, kUnsafeEval, kAssets, kService };
  Kind kind;
  std::string name;  // the env property, e.g. "MY_KV"
  std::string id;    // KV namespace id, D1 database id (else name), R2 bucket name
  std::string alias; // D1 database_name, for the CLI to find it by
  // A service binding's named export of the other worker ("" = default)
  // and the ctx.props it passes, as JSON ("" = none).
  std::string entrypoint;
  std::string props_json;
};

struct WorkerLimits {
  std::chrono::milliseconds cpu{30'000};  // CPU time per request (limits.cpu_ms)
  size_t heap_bytes = 128u << 20;         // per isolate
};

struct WorkerScript {
  std::string name;
  // Modules by name; main_module names the entry point. For service-worker
  // syntax there is exactly one module, run as a classic script.
  std::vector<ModuleSource> modules;
  std::string main_module;
  // Source maps (JSON) of bundled modules, by module name: stack traces are
  // mapped back to the source files with them.
  std::map<std::string, std::string> source_maps;
  bool service_worker_syntax = false;
  std::map<std::string, std::string> vars;       // env.NAME = string
  std::map<std::string, std::string> json_vars;  // env.NAME = JSON.parse(value)
  std::vector<Binding> bindings;
  std::string compatibility_date;
  std::vector<std::string> compatibility_flags;
  bool hasFlag(std::string_view flag) const {
    return std::find(compatibility_flags.begin(), compatibility_flags.end(), flag) != compatibility_flags.end();
  }
  // Node.js compatibility: node:* modules (nodejs_compat).
  bool nodeCompat() const { return hasFlag("nodejs_compat") || hasFlag("nodejs_compat_v2"); }
  // Its second version (Cloudflare's nodejs_compat_v2, implied by
  // nodejs_compat from the compatibility date 2024-09-23): bare specifiers
  // (`buffer`) and require() of built-ins too, and the Buffer, process and
  // global globals.
  bool nodeCompatV2() const {
    return hasFlag("nodejs_compat_v2") ||
           (hasFlag("nodejs_compat") && compatibility_date >= "2024-09-23" && !hasFlag("no_nodejs_compat_v2"));
  }
  // process.env holds the env's strings (from the compatibility date
  // 2025-04-01, or with nodejs_compat_populate_process_env).
  bool populateProcessEnv() const {
    if (!nodeCompat() || hasFlag("nodejs_compat_do_not_populate_process_env")) return false;
    return hasFlag("nodejs_compat_populate_process_env") || compatibility_date >= "2025-04-01";
  }
  WorkerLimits limits;
  // Origin for passThroughOnException(); empty when none.
  std::string origin;
  // Allow-list entries of the node config (`egress_allow`), and the policy
  // built from them once the node's listeners are bound: which addresses
  // the worker's fetch() may connect to. Null (verge dev): any.
  std::vector<std::string> egress_allow;
  std::shared_ptr<const net::EgressPolicy> egress;
};

// Decides the syntax the way wrangler does for a bundle: a script with ES
// module syntax (import/export statements) is a module worker.
bool looksLikeModule(const std::string& code);

}  // namespace verge::runtime
