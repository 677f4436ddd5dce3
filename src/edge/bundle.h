// Bundling a worker as wrangler does: tools/bundler/bundle.mjs runs esbuild
// (the npm version wrangler pins) under node, with wrangler's options and
// module rules. Used by buildWorker (config.h) for `verge dev` and
// `verge serve`.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/worker_script.h"

namespace verge::edge {

// wrangler's `rules`: files matching `globs` are imported as modules of
// `type` ("Text", "Data", "CompiledWasm", "ESModule", "CommonJS").
struct ModuleRule {
  std::string type;
  std::vector<std::string> globs;
  bool fallthrough = false;
};

struct BundleRequest {
  std::filesystem::path entry;   // absolute
  std::filesystem::path root;    // the project folder
  std::filesystem::path outdir;  // emptied and filled
  bool module_syntax = true;     // false: a service-worker script (IIFE)
  bool node_compat = false;      // node:* imports stay imports (nodejs_compat)
  bool node_compat_v2 = false;   // bare built-in names and require() of them too
  std::map<std::string, std::string> define;
  std::map<std::string, std::string> alias;
  std::vector<ModuleRule> rules;
  bool minify = false;
  std::string jsx_factory, jsx_fragment;  // empty: esbuild's defaults
  std::filesystem::path tsconfig;         // empty: esbuild finds one
};

struct BundledModule {
  std::string name;  // as the runtime names it (relative to the bundle)
  runtime::ModuleSource::Type type = runtime::ModuleSource::Type::kEsm;
  std::filesystem::path path;  // where its content is
};

struct BundleResult {
  std::string main;                     // the main module's name
  std::vector<BundledModule> modules;   // the bundle first
  std::filesystem::path metafile;       // esbuild's, paths relative to `root`
  std::filesystem::path sourcemap;      // of the bundle
};

class BundleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bundles `request.entry`. Throws BundleError with esbuild's messages (and a
// hint where one helps) when it fails, or with what to install when node or
// the bundler is missing.
BundleResult bundleWorker(const BundleRequest& request);

// Runs a project's [build] command with `sh -c` in `cwd`; returns its exit
// status (-1 when it could not start), its output in `output`.
int runBuildCommand(const std::string& command, const std::filesystem::path& cwd, std::string& output);

}  // namespace verge::edge
