#include "edge/bundle.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

extern char** environ;

namespace verge::edge {

namespace {

std::optional<std::string> findOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::stringstream ss(p);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

// Runs a program and waits; returns its exit code (or -1), capturing its
// stdout and stderr.
int runProgram(const std::vector<std::string>& argv, std::string& output) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipefd[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    return -1;
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// tools/bundler: VERGE_BUNDLER_DIR, else the source tree this binary was
// built from.
fs::path bundlerDir() {
  if (const char* dir = std::getenv("VERGE_BUNDLER_DIR"); dir && *dir) return dir;
  return VERGE_DEFAULT_BUNDLER_DIR;
}

runtime::ModuleSource::Type typeOf(const std::string& type) {
  using Type = runtime::ModuleSource::Type;
  if (type == "text") return Type::kText;
  if (type == "data") return Type::kData;
  if (type == "wasm") return Type::kWasm;
  return Type::kEsm;
}

}  // namespace

BundleResult bundleWorker(const BundleRequest& request) {
  fs::path dir = bundlerDir();
  fs::path script = dir / "bundle.mjs";
  if (!fs::exists(script) || !fs::exists(dir / "node_modules" / "esbuild")) {
    throw BundleError("the bundler is not installed at " + dir.string() +
                      " (run scripts/setup.sh, or set VERGE_BUNDLER_DIR)");
  }
  auto node = findOnPath("node");
  if (!node) throw BundleError("bundling needs Node.js (node) on PATH: run scripts/setup.sh");

  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : request.rules) {
    rules.push_back({{"type", r.type}, {"globs", r.globs}, {"fallthrough", r.fallthrough}});
  }
  nlohmann::json options = {
      {"entry", request.entry.string()},
      {"root", request.root.string()},
      {"outdir", request.outdir.string()},
      {"format", request.module_syntax ? "esm" : "iife"},
      {"nodejsCompat", request.node_compat},
      {"nodejsCompatV2", request.node_compat_v2},
      {"define", request.define},
      {"alias", request.alias},
      {"rules", rules},
      {"minify", request.minify},
      {"jsxFactory", request.jsx_factory},
      {"jsxFragment", request.jsx_fragment},
      {"tsconfig", request.tsconfig.string()},
  };
  fs::create_directories(request.outdir.parent_path());
  fs::path options_file = request.outdir.string() + ".options.json";
  {
    std::ofstream out(options_file);
    out << options.dump();
    if (!out) throw BundleError("cannot write " + options_file.string());
  }
  std::string log;
  int rc = runProgram({*node, script.string(), options_file.string()}, log);
  if (rc != 0) throw BundleError(log.empty() ? "the bundler failed (exit " + std::to_string(rc) + ")" : log);

  BundleResult result;
  try {
    std::ifstream in(request.outdir / "result.json");
    nlohmann::json out = nlohmann::json::parse(in);
    result.main = out.at("main").get<std::string>();
    result.sourcemap = request.outdir / out.at("sourcemap").get<std::string>();
    for (const auto& m : out.at("modules")) {
      result.modules.push_back({m.at("name").get<std::string>(), typeOf(m.at("type").get<std::string>()),
                                m.at("path").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw BundleError(std::string("the bundler's result is unreadable: ") + e.what());
  }
  result.metafile = request.outdir / "meta.json";
  return result;
}

int runBuildCommand(const std::string& command, const fs::path& cwd, std::string& output) {
  std::error_code ec;
  if (!fs::is_directory(cwd, ec)) {
    output = "no such folder: " + cwd.string();
    return -1;
  }
  return runProgram({"/bin/sh", "-c", "cd \"$0\" && exec /bin/sh -c \"$1\"", cwd.string(), command}, output);
}

}  // namespace verge::edge
