#include "edge/config.h"

#include "base/log.h"
#include "net/egress.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ctime>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <toml++/toml.h>

namespace fs = std::filesystem;

extern char** environ;

namespace verge::edge {

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string() + ": cannot read file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

[[noreturn]] void fail(const fs::path& file, std::string_view key, std::string_view problem) {
  throw ConfigError(file.string() + ": " + (key.empty() ? "" : "'" + std::string(key) + "': ") +
                    std::string(problem));
}

// wrangler.jsonc allows comments and trailing commas; strip both (outside
// strings) so a strict JSON parser can read it.
std::string stripJsonc(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  bool in_string = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < in.size()) out += in[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
    } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '/') {
      while (i < in.size() && in[i] != '\n') ++i;
      out += '\n';
    } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      i += 2;
      while (i + 1 < in.size() && !(in[i] == '*' && in[i + 1] == '/')) ++i;
      ++i;
    } else if (c == ',') {
      size_t j = i + 1;
      while (j < in.size() && std::isspace(static_cast<unsigned char>(in[j]))) ++j;
      if (j < in.size() && (in[j] == '}' || in[j] == ']')) continue;  // trailing comma
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}


// One of wrangler's [[unsafe.bindings]]: verge knows workerd's "unsafe_eval".
runtime::Binding unsafeBinding(const fs::path& file, const std::string& where, const std::string& name,
                               const std::string& type) {
  if (name.empty()) fail(file, where + ".name", "is required (the name of the env property)");
  if (type != "unsafe_eval") {
    fail(file, where + ".type",
         "'" + type + "' is not an unsafe binding verge has (it has \"unsafe_eval\", workerd's UnsafeEval)");
  }
  return runtime::Binding{runtime::Binding::Kind::kUnsafeEval, name, name, ""};
}

// The `assets` key (wrangler.toml's [assets] arrives here as JSON): the
// folder, relative to the config file, and how requests map to its files.
AssetsConfig parseAssets(const fs::path& file, const nlohmann::json& a, const ProjectConfig& cfg) {
  if (!a.is_object()) fail(file, "assets", "must be an object ({ directory = \"./public\" })");
  AssetsConfig out;
  auto text = [&](const char* key) -> std::optional<std::string> {
    if (!a.contains(key)) return std::nullopt;
    if (!a[key].is_string()) fail(file, std::string("assets.") + key, "must be a string");
    return a[key].get<std::string>();
  };
  for (const auto& [key, value] : a.items()) {
    static const std::set<std::string> kKeys = {"directory", "binding", "html_handling", "not_found_handling",
                                                "run_worker_first"};
    if (!kKeys.count(key)) {
      fail(file, "assets." + key,
           "unknown key (expected directory, binding, html_handling, not_found_handling or run_worker_first)");
    }
  }
  auto dir = text("directory");
  if (!dir || dir->empty()) fail(file, "assets.directory", "is required (the folder of static assets)");
  out.directory = (fs::path(*dir).is_absolute() ? fs::path(*dir) : cfg.root / *dir).lexically_normal();
  if (!fs::is_directory(out.directory)) fail(file, "assets.directory", out.directory.string() + " is not a folder");
  out.binding = text("binding").value_or("");
  if (auto h = text("html_handling")) {
    if (*h == "auto-trailing-slash") out.html_handling = HtmlHandling::kAutoTrailingSlash;
    else if (*h == "force-trailing-slash") out.html_handling = HtmlHandling::kForceTrailingSlash;
    else if (*h == "drop-trailing-slash") out.html_handling = HtmlHandling::kDropTrailingSlash;
    else if (*h == "none") out.html_handling = HtmlHandling::kNone;
    else fail(file, "assets.html_handling", "'" + *h + "' is not one of auto-trailing-slash, force-trailing-slash, drop-trailing-slash, none");
  }
  if (auto n = text("not_found_handling")) {
    if (*n == "none") out.not_found_handling = NotFoundHandling::kNone;
    else if (*n == "404-page") out.not_found_handling = NotFoundHandling::k404Page;
    else if (*n == "single-page-application") out.not_found_handling = NotFoundHandling::kSinglePageApplication;
    else fail(file, "assets.not_found_handling", "'" + *n + "' is not one of none, 404-page, single-page-application");
  }
  if (a.contains("run_worker_first")) {
    const auto& r = a["run_worker_first"];
    if (r.is_boolean()) {
      out.run_worker_first = r.get<bool>();
    } else if (r.is_array()) {
      for (const auto& rule : r) {
        if (!rule.is_string()) fail(file, "assets.run_worker_first", "must be true, false or an array of path patterns");
        out.run_worker_first_rules.push_back(rule.get<std::string>());
      }
      WorkerFirstRules rules;
      if (std::string error = WorkerFirstRules::parse(out.run_worker_first_rules, rules); !error.empty()) {
        fail(file, "assets.run_worker_first", error);
      }
    } else {
      fail(file, "assets.run_worker_first", "must be true, false or an array of path patterns");
    }
  }
  // Cloudflare's assets_navigation_prefers_asset_serving, on by default
  // from 2025-04-01.
  auto flag = [&](std::string_view f) {
    return std::find(cfg.compatibility_flags.begin(), cfg.compatibility_flags.end(), f) != cfg.compatibility_flags.end();
  };
  out.navigation_prefers_assets = flag("assets_navigation_prefers_asset_serving") ||
                                  (cfg.compatibility_date >= "2025-04-01" && !flag("assets_navigation_has_no_effect"));
  return out;
}

toml::table parseToml(const fs::path& file) {
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream ss;
    ss << "invalid TOML at line " << e.source().begin.line << ": " << e.description();
    fail(file, "", ss.str());
  }
}

// A TOML value as JSON text (for non-string vars).
std::string tomlToJson(const toml::node& n) {
  std::ostringstream ss;
  if (auto* t = n.as_table()) ss << toml::json_formatter(*t);
  else if (auto* a = n.as_array()) ss << toml::json_formatter(*a);
  else if (auto b = n.value<bool>()) ss << (*b ? "true" : "false");
  else if (n.is_integer()) ss << *n.value<int64_t>();
  else if (n.is_floating_point()) ss << *n.value<double>();
  else ss << "null";
  return ss.str();
}

void addTomlVars(const toml::table& tab, std::map<std::string, std::string>& vars,
                 std::map<std::string, std::string>& json_vars) {
  for (const auto& [k, v] : tab) {
    if (auto s = v.value<std::string>()) vars[std::string(k.str())] = *s;
    else json_vars[std::string(k.str())] = tomlToJson(v);
  }
}

// A wrangler config (wrangler.json, wrangler.jsonc or wrangler.toml) as
// JSON, which is how wrangler itself reads all three.
nlohmann::json readWranglerConfig(const fs::path& file) {
  nlohmann::json j;
  if (file.extension() == ".toml") {
    std::ostringstream ss;
    ss << toml::json_formatter(parseToml(file));
    j = nlohmann::json::parse(ss.str());
  } else {
    try {
      j = nlohmann::json::parse(stripJsonc(readFile(file)));
    } catch (const nlohmann::json::parse_error& e) {
      fail(file, "", std::string("invalid JSON: ") + e.what());
    }
  }
  if (!j.is_object()) fail(file, "", "the top level must be an object");
  return j;
}

// What verge does with each top-level key of a wrangler config. Keys not
// listed are unknown (a typo, or newer than verge): warned about.
enum class KeyUse {
  kSupported,   // acted on
  kWarned,      // a feature verge does not have yet: warned about at start
  kNotPlanned,  // about deploying to Cloudflare, meaningless for a node: ignored
};

const std::map<std::string, KeyUse, std::less<>>& wranglerKeys() {
  static const std::map<std::string, KeyUse, std::less<>> keys = {
      {"name", KeyUse::kSupported}, {"main", KeyUse::kSupported},
      {"compatibility_date", KeyUse::kSupported}, {"compatibility_flags", KeyUse::kSupported},
      {"vars", KeyUse::kSupported}, {"kv_namespaces", KeyUse::kSupported},
      {"d1_databases", KeyUse::kSupported}, {"r2_buckets", KeyUse::kSupported},
      {"unsafe", KeyUse::kSupported}, {"limits", KeyUse::kSupported}, {"env", KeyUse::kSupported},
      {"define", KeyUse::kSupported}, {"alias", KeyUse::kSupported}, {"rules", KeyUse::kSupported},
      {"build", KeyUse::kSupported}, {"no_bundle", KeyUse::kSupported}, {"minify", KeyUse::kSupported},
      {"jsx_factory", KeyUse::kSupported}, {"jsx_fragment", KeyUse::kSupported},
      {"tsconfig", KeyUse::kSupported}, {"keep_vars", KeyUse::kNotPlanned},
      {"$schema", KeyUse::kNotPlanned}, {"account_id", KeyUse::kNotPlanned},
      {"workers_dev", KeyUse::kNotPlanned}, {"preview_urls", KeyUse::kNotPlanned},
      {"route", KeyUse::kNotPlanned}, {"routes", KeyUse::kNotPlanned},
      {"usage_model", KeyUse::kNotPlanned}, {"upload_source_maps", KeyUse::kNotPlanned},
      {"logpush", KeyUse::kNotPlanned}, {"observability", KeyUse::kNotPlanned},
      {"placement", KeyUse::kNotPlanned}, {"send_metrics", KeyUse::kNotPlanned},
      {"legacy_env", KeyUse::kNotPlanned}, {"zone_id", KeyUse::kNotPlanned},
      {"compliance_region", KeyUse::kNotPlanned}, {"first_party_worker", KeyUse::kNotPlanned},
      {"logfwdr", KeyUse::kNotPlanned}, {"dev", KeyUse::kNotPlanned},
      {"assets", KeyUse::kSupported}, {"services", KeyUse::kSupported},
      {"durable_objects", KeyUse::kWarned}, {"migrations", KeyUse::kWarned},
      {"queues", KeyUse::kWarned}, {"triggers", KeyUse::kWarned}, {"workflows", KeyUse::kWarned},
      {"analytics_engine_datasets", KeyUse::kWarned}, {"ai", KeyUse::kWarned},
      {"browser", KeyUse::kWarned}, {"vectorize", KeyUse::kWarned}, {"hyperdrive", KeyUse::kWarned},
      {"mtls_certificates", KeyUse::kWarned}, {"send_email", KeyUse::kWarned},
      {"dispatch_namespaces", KeyUse::kWarned}, {"version_metadata", KeyUse::kWarned},
      {"pipelines", KeyUse::kWarned}, {"secrets_store_secrets", KeyUse::kWarned},
      {"images", KeyUse::kWarned}, {"tail_consumers", KeyUse::kWarned},
      {"find_additional_modules", KeyUse::kSupported}, {"base_dir", KeyUse::kSupported},
      {"preserve_file_names", KeyUse::kWarned}, {"site", KeyUse::kWarned},
      {"wasm_modules", KeyUse::kWarned}, {"text_blobs", KeyUse::kWarned},
      {"data_blobs", KeyUse::kWarned}, {"node_compat", KeyUse::kWarned},
      {"containers", KeyUse::kWarned}, {"secrets", KeyUse::kWarned},
      {"unsafe_hello_world", KeyUse::kWarned}, {"ratelimits", KeyUse::kWarned},
      {"worker_loaders", KeyUse::kWarned}, {"vpc_services", KeyUse::kWarned},
  };
  return keys;
}

// Keys an environment does not inherit from the top level (wrangler's
// "non-inheritable keys"): bindings and vars must be given per environment.
bool inheritable(std::string_view key) {
  static const std::set<std::string, std::less<>> kNot = {
      "define", "vars", "durable_objects", "kv_namespaces", "r2_buckets", "d1_databases", "services",
      "queues", "analytics_engine_datasets", "unsafe", "browser", "ai", "vectorize", "hyperdrive",
      "mtls_certificates", "send_email", "dispatch_namespaces", "tail_consumers", "version_metadata",
      "workflows", "pipelines", "secrets_store_secrets", "images", "ratelimits", "worker_loaders",
      "vpc_services", "secrets"};
  return !kNot.contains(key);
}

// The config as it applies to environment `env` ("" = the top level), with
// wrangler's inheritance: an environment takes the top level's inheritable
// keys unless it sets them, none of its non-inheritable ones, and is named
// "<name>-<env>" unless it names itself.
nlohmann::json forEnvironment(const fs::path& file, const nlohmann::json& top, const std::string& env,
                              std::vector<std::string>& warnings) {
  if (env.empty()) {
    nlohmann::json out = top;
    out.erase("env");
    return out;
  }
  auto envs = top.find("env");
  if (envs == top.end() || !envs->is_object() || !envs->contains(env) || !(*envs)[env].is_object()) {
    fail(file, "env." + env, "no such environment (asked for with --env " + env + ")");
  }
  const nlohmann::json& e = (*envs)[env];
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : top.items()) {
    if (k == "env") continue;
    if (inheritable(k)) {
      out[k] = v;
    } else if (!e.contains(k)) {
      warnings.push_back("'" + k + "' is set at the top level but not in [env." + env +
                         "]: environments do not inherit it, so it is not used");
    }
  }
  for (const auto& [k, v] : e.items()) out[k] = v;
  if (!e.contains("name") && top.contains("name") && top["name"].is_string()) {
    out["name"] = top["name"].get<std::string>() + "-" + env;
  }
  return out;
}

std::map<std::string, std::string> stringMap(const fs::path& file, const nlohmann::json& j, const char* key) {
  std::map<std::string, std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_object()) fail(file, key, "must be a table of strings");
  for (const auto& [k, v] : j[key].items()) {
    if (!v.is_string()) fail(file, std::string(key) + "." + k, "must be a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

void applyWranglerConfig(const fs::path& file, const nlohmann::json& j, ProjectConfig& cfg) {
  auto str = [&](const char* key, std::string& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_string()) fail(file, key, "must be a string");
    out = j[key].get<std::string>();
  };
  str("name", cfg.name);
  str("main", cfg.main);
  str("compatibility_date", cfg.compatibility_date);
  if (j.contains("compatibility_flags")) {
    if (!j["compatibility_flags"].is_array()) fail(file, "compatibility_flags", "must be an array of strings");
    for (const auto& f : j["compatibility_flags"]) {
      if (!f.is_string()) fail(file, "compatibility_flags", "must be an array of strings");
      cfg.compatibility_flags.push_back(f.get<std::string>());
    }
  }
  if (j.contains("vars")) {
    if (!j["vars"].is_object()) fail(file, "vars", "must be a table");
    // Non-string vars reach the worker as JSON values, as with wrangler.
    for (const auto& [k, v] : j["vars"].items()) {
      if (v.is_string()) cfg.vars[k] = v.get<std::string>();
      else cfg.json_vars[k] = v.dump();
    }
  }
  auto bindingList = [&](const char* key, runtime::Binding::Kind kind,
                         std::initializer_list<const char*> id_keys) {
    if (!j.contains(key)) return;
    if (!j[key].is_array()) fail(file, key, "must be an array of tables ([[" + std::string(key) + "]])");
    size_t index = 0;
    for (const auto& b : j[key]) {
      std::string where = std::string(key) + "[" + std::to_string(index++) + "]";
      if (!b.is_object()) fail(file, where, "must be a table");
      if (!b.contains("binding") || !b["binding"].is_string() || b["binding"].get<std::string>().empty()) {
        fail(file, where + ".binding", "is required (the name of the env property)");
      }
      runtime::Binding out{kind, b["binding"].get<std::string>(), ""};
      for (const char* id_key : id_keys) {
        if (b.contains(id_key) && b[id_key].is_string() && !b[id_key].get<std::string>().empty()) {
          out.id = b[id_key].get<std::string>();
          break;
        }
      }
      if (out.id.empty()) out.id = out.name;  // local only: the binding name is enough
      if (kind == runtime::Binding::Kind::kD1) {
        if (b.contains("migrations_dir") && b["migrations_dir"].is_string()) {
          cfg.d1_migrations_dirs[out.name] = b["migrations_dir"].get<std::string>();
        }
        if (b.contains("database_name") && b["database_name"].is_string()) {
          out.alias = b["database_name"].get<std::string>();
        }
      }
      cfg.bindings.push_back(std::move(out));
    }
  };
  bindingList("kv_namespaces", runtime::Binding::Kind::kKv, {"id", "preview_id"});
  bindingList("d1_databases", runtime::Binding::Kind::kD1, {"database_id", "database_name"});
  bindingList("r2_buckets", runtime::Binding::Kind::kR2, {"bucket_name", "preview_bucket_name"});
  if (j.contains("unsafe")) {
    const auto& unsafe = j["unsafe"];
    if (!unsafe.is_object()) fail(file, "unsafe", "must be a table");
    for (const auto& [k, v] : unsafe.items()) {
      if (k != "bindings") cfg.warnings.push_back("'unsafe." + k + "' is not supported by verge; ignored");
    }
    if (unsafe.contains("bindings")) {
      const auto& list = unsafe["bindings"];
      if (!list.is_array()) fail(file, "unsafe.bindings", "must be an array of tables ([[unsafe.bindings]])");
      size_t index = 0;
      for (const auto& b : list) {
        std::string where = "unsafe.bindings[" + std::to_string(index++) + "]";
        if (!b.is_object()) fail(file, where, "must be a table");
        std::string name = b.contains("name") && b["name"].is_string() ? b["name"].get<std::string>() : "";
        std::string type = b.contains("type") && b["type"].is_string() ? b["type"].get<std::string>() : "";
        cfg.bindings.push_back(unsafeBinding(file, where, name, type));
      }
    }
  }
  if (j.contains("services")) {
    const auto& list = j["services"];
    if (!list.is_array()) fail(file, "services", "must be an array of { binding, service, entrypoint, props }");
    size_t index = 0;
    for (const auto& b : list) {
      std::string where = "services[" + std::to_string(index++) + "]";
      if (!b.is_object()) fail(file, where, "must be a table");
      for (const char* key : {"binding", "service"}) {
        if (!b.contains(key) || !b[key].is_string() || b[key].get<std::string>().empty()) {
          fail(file, where + "." + key, std::string("is required (") +
                                            (std::string_view(key) == "binding" ? "the name of the env property"
                                                                                : "the name of the worker to call") +
                                            ")");
        }
      }
      runtime::Binding binding{runtime::Binding::Kind::kService, b["binding"].get<std::string>(),
                               b["service"].get<std::string>(), ""};
      if (b.contains("entrypoint")) {
        if (!b["entrypoint"].is_string() || b["entrypoint"].get<std::string>().empty()) {
          fail(file, where + ".entrypoint", "must be the name of an export of the other worker");
        }
        binding.entrypoint = b["entrypoint"].get<std::string>();
      }
      if (b.contains("props")) {
        if (!b["props"].is_object()) fail(file, where + ".props", "must be a table (the callee's ctx.props)");
        binding.props_json = b["props"].dump();
      }
      for (const auto& [k, v] : b.items()) {
        if (k != "binding" && k != "service" && k != "environment" && k != "entrypoint" && k != "props") {
          cfg.warnings.push_back("'" + where + "." + k + "' is not supported by verge yet; ignored");
        }
      }
      cfg.bindings.push_back(std::move(binding));
    }
  }
  if (j.contains("limits")) {
    const auto& l = j["limits"];
    if (!l.is_object()) fail(file, "limits", "must be a table");
    if (l.contains("cpu_ms")) {
      if (!l["cpu_ms"].is_number_integer() || l["cpu_ms"].get<int64_t>() <= 0) {
        fail(file, "limits.cpu_ms", "must be a positive integer (milliseconds)");
      }
      cfg.cpu_ms = l["cpu_ms"].get<int64_t>();
    }
  }
  cfg.define = stringMap(file, j, "define");
  cfg.alias = stringMap(file, j, "alias");
  if (j.contains("rules")) {
    if (!j["rules"].is_array()) fail(file, "rules", "must be an array of tables ([[rules]])");
    size_t index = 0;
    for (const auto& r : j["rules"]) {
      std::string where = "rules[" + std::to_string(index++) + "]";
      static const std::set<std::string> kTypes = {"ESModule", "CommonJS", "CompiledWasm", "Text", "Data"};
      if (!r.is_object() || !r.contains("type") || !r["type"].is_string() ||
          !kTypes.contains(r["type"].get<std::string>())) {
        fail(file, where + ".type", "must be one of ESModule, CommonJS, CompiledWasm, Text, Data");
      }
      ModuleRule rule{r["type"].get<std::string>(), {}, r.value("fallthrough", false)};
      if (!r.contains("globs") || !r["globs"].is_array()) fail(file, where + ".globs", "must be an array of strings");
      for (const auto& g : r["globs"]) {
        if (!g.is_string()) fail(file, where + ".globs", "must be an array of strings");
        rule.globs.push_back(g.get<std::string>());
      }
      cfg.rules.push_back(std::move(rule));
    }
  }
  if (j.contains("build")) {
    const auto& b = j["build"];
    if (!b.is_object()) fail(file, "build", "must be a table");
    for (const char* key : {"command", "cwd", "watch_dir"}) {
      if (b.contains(key) && !b[key].is_string() && !(std::string_view(key) == "watch_dir" && b[key].is_array())) {
        fail(file, std::string("build.") + key, "must be a string");
      }
    }
    if (b.contains("command")) cfg.build_command = b["command"].get<std::string>();
    if (b.contains("cwd")) cfg.build_cwd = b["cwd"].get<std::string>();
  }
  if (j.contains("no_bundle")) {
    if (!j["no_bundle"].is_boolean()) fail(file, "no_bundle", "must be true or false");
    cfg.no_bundle = j["no_bundle"].get<bool>();
  }
  if (j.contains("find_additional_modules")) {
    if (!j["find_additional_modules"].is_boolean()) fail(file, "find_additional_modules", "must be true or false");
    cfg.find_additional_modules = j["find_additional_modules"].get<bool>();
  }
  str("base_dir", cfg.base_dir);
  if (j.contains("minify")) {
    if (!j["minify"].is_boolean()) fail(file, "minify", "must be true or false");
    cfg.minify = j["minify"].get<bool>();
  }
  str("jsx_factory", cfg.jsx_factory);
  str("jsx_fragment", cfg.jsx_fragment);
  str("tsconfig", cfg.tsconfig);
  if (j.contains("assets")) cfg.assets = parseAssets(file, j["assets"], cfg);
  for (const auto& [k, v] : j.items()) {
    auto use = wranglerKeys().find(k);
    if (use == wranglerKeys().end()) {
      cfg.warnings.push_back("'" + k + "' is not a wrangler config key verge knows; ignored");
    } else if (use->second == KeyUse::kWarned) {
      cfg.warnings.push_back("'" + k + "' is not supported by verge yet; ignored");
    }
  }
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const std::regex& importRegex() {
  // import ... from "x" | import "x" | export ... from "x" | import("x")
  static const std::regex re(
      R"((?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'\n]+)["'])");
  return re;
}

bool needsCompiling(const fs::path& main) {
  std::string ext = main.extension().string();
  return ext == ".ts" || ext == ".tsx" || ext == ".mts" || ext == ".jsx";
}

// Where a worker's code may come from: its project folder, and the
// node_modules folders above it that Node's (and esbuild's) package
// resolution searches (a workspace's hoisted packages). Everything is
// compared by real path, so a symlink inside the project that points out of
// it is outside. node_modules inside the project counts as the project's: a
// symlink there that points out is outside too. The folders above the
// project belong to whoever runs the node, not to the project, which is why
// their node_modules are trusted as they are.
class ProjectFolder {
 public:
  explicit ProjectFolder(const fs::path& root) {
    std::error_code ec;
    root_ = fs::canonical(root, ec);
    if (ec) {
      throw ConfigError(root.string() + ": cannot resolve the project folder: " + ec.message());
    }
    for (fs::path dir = root_.parent_path();; dir = dir.parent_path()) {
      fs::path modules = fs::canonical(dir / "node_modules", ec);
      // A node_modules that holds the project itself (projects kept in a
      // folder of that name) would hold its neighbours too: not trusted.
      if (!ec && fs::is_directory(modules) && !within(root_, modules)) {
        package_dirs_.push_back(modules);
      }
      if (dir == dir.root_path() || dir.empty()) break;
    }
  }

  const fs::path& root() const { return root_; }

  // The real path of `file`, if it exists and is inside the project folder
  // (or, with `packages`, one of the node_modules folders above it).
  std::optional<fs::path> resolve(const fs::path& file, bool packages) const {
    std::error_code ec;
    fs::path real = fs::canonical(file, ec);
    if (ec) return std::nullopt;
    if (within(real, root_)) return real;
    if (packages) {
      for (const auto& dir : package_dirs_) {
        if (within(real, dir)) return real;
      }
    }
    return std::nullopt;
  }

  // "/srv/q/x.js is outside the project folder /srv/p: ...", with where it
  // really is when a symlink led there.
  std::string outside(const fs::path& file) const {
    std::error_code ec;
    fs::path real = fs::canonical(file, ec);
    std::string where = file.lexically_normal().string();
    if (!ec && real != file.lexically_normal()) where += " (a symlink to " + real.string() + ")";
    return where + " is outside the project folder " + root_.string() +
           ": a worker may only use files inside its project folder and node_modules";
  }

 private:
  static bool within(const fs::path& file, const fs::path& dir) {
    auto [d, f] = std::mismatch(dir.begin(), dir.end(), file.begin(), file.end());
    return d == dir.end();
  }

  fs::path root_;
  std::vector<fs::path> package_dirs_;
};

// Collects the main module and every module it reaches by relative imports,
// reading each from its real path after checking that it is inside the
// project folder (plain modules are the project's own, never packages).
void collectModules(const ProjectFolder& folder, const fs::path& root, const fs::path& where,
                    const fs::path& file, std::set<std::string>& seen,
                    std::vector<runtime::ModuleSource>& out) {
  std::string rel = fs::relative(file, root).generic_string();
  if (!seen.insert(rel).second) return;
  auto real = folder.resolve(file, false);
  if (!real) fail(where, "main", folder.outside(file));
  std::string code = readFile(*real);
  for (std::sregex_iterator it(code.begin(), code.end(), importRegex()), end; it != end; ++it) {
    std::string spec = (*it)[1];
    if (spec.rfind("./", 0) != 0 && spec.rfind("../", 0) != 0) continue;
    fs::path dep = (file.parent_path() / spec).lexically_normal();
    if (!fs::exists(dep)) continue;  // the runtime names the missing module when it is imported
    if (!folder.resolve(dep, false)) {
      fail(where, "main", rel + " imports \"" + spec + "\": " + folder.outside(dep));
    }
    collectModules(folder, root, where, dep, seen, out);
  }
  out.push_back({rel, std::move(code)});
}

// The module type wrangler's default rules (and the config's `rules` of the
// form "**/*.ext") give a file, or none.
std::optional<runtime::ModuleSource::Type> ruleTypeOf(const ProjectConfig& project, const fs::path& file) {
  using Type = runtime::ModuleSource::Type;
  std::string name = file.filename().string();
  auto typeNamed = [](const std::string& t) -> std::optional<Type> {
    if (t == "ESModule") return Type::kEsm;
    if (t == "Text") return Type::kText;
    if (t == "Data") return Type::kData;
    if (t == "CompiledWasm") return Type::kWasm;
    return std::nullopt;  // CommonJS: not loadable unbundled
  };
  for (const auto& rule : project.rules) {
    for (const auto& glob : rule.globs) {
      if (glob.rfind("**/*.", 0) == 0 && endsWith(name, glob.substr(4))) return typeNamed(rule.type);
    }
  }
  static const std::pair<const char*, Type> kDefaults[] = {
      {".js", Type::kEsm},   {".mjs", Type::kEsm},  {".txt", Type::kText},
      {".html", Type::kText}, {".sql", Type::kText}, {".bin", Type::kData}, {".wasm", Type::kWasm}};
  for (const auto& [ext, type] : kDefaults) {
    if (endsWith(name, ext)) return type;
  }
  return std::nullopt;
}

// no_bundle + find_additional_modules: every file under `base` that a
// module rule matches becomes a module too, so that an import() whose path
// is computed at run time finds it (as wrangler does). node_modules and
// dot-folders are skipped; every file must be inside the project folder.
void addAdditionalModules(const ProjectFolder& folder, const ProjectConfig& project, const fs::path& where,
                          const fs::path& base, std::set<std::string>& seen, std::vector<runtime::ModuleSource>& out) {
  std::error_code ec;
  if (!fs::is_directory(base, ec)) fail(where, "base_dir", base.string() + " is not a folder");
  for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path& path = it->path();
    std::string leaf = path.filename().string();
    if (it->is_directory(ec) && (leaf == "node_modules" || leaf.rfind('.', 0) == 0)) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    auto type = ruleTypeOf(project, path);
    if (!type) continue;
    std::string rel = fs::relative(path, project.root).generic_string();
    if (seen.contains(rel)) continue;
    auto real = folder.resolve(path, false);
    if (!real) fail(where, "find_additional_modules", folder.outside(path));
    seen.insert(rel);
    out.push_back({rel, readFile(*real), *type});
  }
}

// Checks every file esbuild read, as its metafile lists them, against the
// project folder. Paths in the metafile are relative to esbuild's working
// directory `cwd`; virtual inputs ("<data:...>", "(disabled):...", and the
// bundler's "verge-node-require:<name>" for a require() of a Node.js
// built-in) read no file. Fails closed: an input that cannot be found is
// not accepted.
void checkBundleInputs(const ProjectFolder& folder, const fs::path& where,
                       const fs::path& metafile, const fs::path& cwd) {
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(readFile(metafile));
  } catch (const nlohmann::json::exception& e) {
    fail(where, "main", "cannot read esbuild's metafile " + metafile.string() + ": " + e.what());
  }
  auto inputs = meta.find("inputs");
  if (inputs == meta.end() || !inputs->is_object()) {
    fail(where, "main", "esbuild's metafile " + metafile.string() + " lists no inputs");
  }
  // Which input imported which, with the specifier as written when esbuild
  // says (0.17 and later do, as "original").
  auto importedBy = [&](const std::string& path) -> std::string {
    for (const auto& [importer, input] : inputs->items()) {
      auto imports = input.find("imports");
      if (imports == input.end() || !imports->is_array()) continue;
      for (const auto& imp : *imports) {
        if (imp.value("path", "") != path) continue;
        std::string spec = imp.value("original", "");
        return (fs::absolute(cwd / importer).lexically_normal().lexically_relative(folder.root()))
                   .generic_string() +
               (spec.empty() ? " imports it" : " imports \"" + spec + "\"") + ": ";
      }
    }
    return "";
  };
  for (const auto& [path, input] : inputs->items()) {
    if (path.empty() || path.front() == '<' || path.rfind("(disabled):", 0) == 0 ||
        path.rfind("verge-node-require:", 0) == 0) {
      continue;
    }
    fs::path file = (cwd / path).lexically_normal();
    if (folder.resolve(file, true)) continue;
    std::string by = importedBy(path);
    if (!fs::exists(file)) {
      fail(where, "main", by + "esbuild read " + path + ", which verge cannot find to check");
    }
    fail(where, "main", (by.empty() ? "esbuild bundled " : by) + folder.outside(file));
  }
}

// "host:port", "[::1]:port" → host and port (0..65535).
void parseListen(const fs::path& file, const std::string& key, const toml::node& v, std::string& host,
                 uint16_t& port) {
  auto s = v.value<std::string>();
  if (!s) fail(file, key, "must be a string like \"127.0.0.1:8080\"");
  size_t colon = s->rfind(':');
  if (colon == std::string::npos) fail(file, key, "must be host:port, e.g. \"127.0.0.1:8080\"");
  host = s->substr(0, colon);
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  int parsed = -1;
  try {
    parsed = std::stoi(s->substr(colon + 1));
  } catch (...) {
  }
  if (parsed < 0 || parsed > 65535) fail(file, key, "port must be 0..65535");
  port = static_cast<uint16_t>(parsed);
}

std::optional<int64_t> integerOf(const toml::node& v) {
  if (!v.is_integer()) return std::nullopt;
  return v.value<int64_t>();
}

std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An HTTP token (RFC 9110 §5.6.2): what a header or cookie name may be.
bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// A non-empty array of tokens (header or cookie names) under `key`.
std::vector<std::string> tokenList(const fs::path& file, const std::string& key, const toml::node& v,
                                   std::string_view what, bool lower) {
  auto* arr = v.as_array();
  if (!arr) fail(file, key, "must be an array of " + std::string(what));
  std::vector<std::string> out;
  for (auto& item : *arr) {
    auto s = item.value<std::string>();
    if (!s || !isToken(*s)) {
      fail(file, key, "must contain " + std::string(what) + " (letters, digits and !#$%&'*+-.^_`|~)");
    }
    out.push_back(lower ? lowercase(*s) : *s);
  }
  return out;
}

// A TTL in seconds: an integer >= 0.
int64_t ttlSeconds(const fs::path& file, const std::string& key, const toml::node& v) {
  auto n = integerOf(v);
  if (!n || *n < 0) fail(file, key, "must be an integer number of seconds >= 0");
  return *n;
}

cache::CacheKeyOptions parseCacheKey(const fs::path& file, const std::string& prefix,
                                     const toml::node& node) {
  auto* t = node.as_table();
  if (!t) {
    fail(file, prefix, "must be a table, e.g. { ignore_query = true, headers = [\"X-Device\"] }");
  }
  cache::CacheKeyOptions out;
  for (const auto& [k, v] : *t) {
    std::string key = prefix + "." + std::string(k.str());
    if (k == "ignore_query" || k == "sort_query") {
      if (!v.is_boolean()) fail(file, key, "must be true or false");
      (k == "ignore_query" ? out.ignore_query : out.sort_query) = *v.value<bool>();
    } else if (k == "headers") {
      out.include_headers = tokenList(file, key, v, "header names", true);
    } else if (k == "cookies") {
      out.include_cookies = tokenList(file, key, v, "cookie names", false);
    } else {
      fail(file, key, "unknown key (expected ignore_query, sort_query, headers or cookies)");
    }
  }
  if (out.ignore_query && out.sort_query) {
    fail(file, prefix, "ignore_query and sort_query exclude each other (an ignored query has nothing to sort)");
  }
  return out;
}

cache::CacheRule parseCacheRule(const fs::path& file, const std::string& prefix, const toml::node& node) {
  auto* t = node.as_table();
  if (!t) fail(file, prefix, "must be a table ([[zones.cache_rules]])");
  cache::CacheRule rule;
  for (const auto& [k, v] : *t) {
    std::string key = prefix + "." + std::string(k.str());
    if (k == "path") {
      auto s = v.value<std::string>();
      if (!s || s->empty() || (s->front() != '/' && s->front() != '*')) {
        fail(file, key, "must be a path glob starting with '/' or '*', e.g. \"/static/*\"");
      }
      rule.path = *s;
    } else if (k == "extensions") {
      auto* arr = v.as_array();
      if (!arr || arr->empty()) fail(file, key, "must be a non-empty array like [\"css\", \"js\"]");
      for (auto& item : *arr) {
        auto s = item.value<std::string>();
        std::string ext = s ? lowercase(*s) : std::string();
        if (!ext.empty() && ext.front() == '.') ext.erase(0, 1);
        if (ext.empty() || ext.find_first_of("/.*? ") != std::string::npos) {
          fail(file, key, "must contain file extensions like \"css\" (no dot needed)");
        }
        rule.extensions.push_back(std::move(ext));
      }
    } else if (k == "cache") {
      auto s = v.value<std::string>();
      if (s == "respect") rule.mode = cache::CacheMode::kRespect;
      else if (s == "bypass") rule.mode = cache::CacheMode::kBypass;
      else if (s == "everything") rule.mode = cache::CacheMode::kEverything;
      else fail(file, key, "must be \"respect\", \"bypass\" or \"everything\"");
    } else if (k == "edge_ttl") {
      rule.edge_ttl = ttlSeconds(file, key, v);
    } else if (k == "edge_ttl_by_status") {
      auto* tab = v.as_table();
      if (!tab || tab->empty()) {
        fail(file, key, "must be a table like { \"200-299\" = 86400, \"404\" = 60, \"500-599\" = -1 }");
      }
      for (const auto& [range, ttl] : *tab) {
        std::string entry_key = key + ".\"" + std::string(range.str()) + "\"";
        cache::StatusTtl st;
        if (!cache::parseStatusRange(range.str(), st.from, st.to)) {
          fail(file, entry_key, "must be a status (\"404\") or a range (\"200-299\") within 100..599");
        }
        auto n = integerOf(ttl);
        if (!n) fail(file, entry_key, "must be an integer number of seconds (negative: do not store)");
        st.ttl = *n < 0 ? -1 : *n;
        rule.edge_ttl_by_status.push_back(st);
      }
    } else if (k == "browser_ttl") {
      rule.browser_ttl = ttlSeconds(file, key, v);
    } else if (k == "default_ttl") {
      rule.default_ttl = ttlSeconds(file, key, v);
    } else if (k == "serve_stale") {
      if (!v.is_boolean()) fail(file, key, "must be true or false");
      rule.serve_stale = *v.value<bool>();
    } else if (k == "cache_key") {
      rule.cache_key = parseCacheKey(file, key, v);
    } else {
      fail(file, key,
           "unknown key (expected path, extensions, cache, edge_ttl, edge_ttl_by_status, browser_ttl, "
           "default_ttl, serve_stale or cache_key)");
    }
  }
  return rule;
}

// A cache budget in MiB: 1 .. `max`.
uint64_t megabytes(const fs::path& file, const std::string& key, const toml::node& v, int64_t max) {
  auto n = integerOf(v);
  if (!n || *n < 1 || *n > max) {
    fail(file, key, "must be an integer number of MiB, 1.." + std::to_string(max));
  }
  return static_cast<uint64_t>(*n);
}

// Whether a token can travel in an Authorization header as it is.
bool isPrintableToken(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return !s.empty();
}

void parseAdmin(const fs::path& file, const toml::node& node, bool resolve_token_env, NodeAdmin& admin) {
  auto* t = node.as_table();
  if (!t) fail(file, "admin", "must be a table ([admin])");
  admin.enabled = true;
  bool have_token = false;
  for (const auto& [k, v] : *t) {
    std::string key = "admin." + std::string(k.str());
    if (k == "listen") {
      parseListen(file, key, v, admin.host, admin.port);
    } else if (k == "token") {
      auto s = v.value<std::string>();
      if (!s || s->empty()) fail(file, key, "must be a non-empty string");
      if (!isPrintableToken(*s)) fail(file, key, "must be printable ASCII without spaces");
      admin.token = *s;
      have_token = true;
    } else if (k == "token_env") {
      auto s = v.value<std::string>();
      if (!s || s->empty()) fail(file, key, "must be the name of an environment variable");
      admin.token_env = *s;
    } else {
      fail(file, key, "unknown key (expected listen, token or token_env)");
    }
  }
  if (have_token && !admin.token_env.empty()) {
    fail(file, "admin.token_env", "give either token or token_env, not both");
  }
  if (!have_token && admin.token_env.empty()) {
    fail(file, "admin.token",
         "is required: a bearer token for the admin API (or token_env = \"VARIABLE\" to read it from the environment)");
  }
  if (!admin.token_env.empty()) {
    const char* value = std::getenv(admin.token_env.c_str());
    if (value && *value) {
      if (!isPrintableToken(value)) {
        fail(file, "admin.token_env", "the token in $" + admin.token_env + " must be printable ASCII without spaces");
      }
      admin.token = value;
    } else if (resolve_token_env) {
      fail(file, "admin.token_env", "the environment variable " + admin.token_env + " is not set (or empty)");
    }
  }
}

}  // namespace

void readDotenv(const fs::path& file, std::map<std::string, std::string>& out) {
  std::string text = readFile(file);
  size_t i = 0, line = 1;
  auto bad = [&](const std::string& why) {
    throw ConfigError(file.string() + ":" + std::to_string(line) + ": " + why);
  };
  while (i < text.size()) {
    // One KEY=VALUE per line; blank lines and # comments are skipped.
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
    if (i < text.size() && (text[i] == '\n' || text[i] == '#')) {
      while (i < text.size() && text[i] != '\n') ++i;
      if (i < text.size()) ++i, ++line;
      continue;
    }
    if (i >= text.size()) break;
    if (text.compare(i, 7, "export ") == 0) i += 7;
    size_t key_start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' ||
                               text[i] == '.' || text[i] == '-')) {
      ++i;
    }
    std::string key = text.substr(key_start, i - key_start);
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (key.empty() || i >= text.size() || text[i] != '=') bad("expected KEY=VALUE");
    ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::string value;
    if (i < text.size() && (text[i] == '"' || text[i] == '\'' || text[i] == '`')) {
      char quote = text[i++];
      size_t start_line = line;
      while (i < text.size() && text[i] != quote) {
        if (text[i] == '\n') ++line;
        if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) {
          char c = text[++i];
          value += c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        } else {
          value += text[i];
        }
        ++i;
      }
      if (i >= text.size()) {
        line = start_line;
        bad(std::string("the value of ") + key + " has no closing " + quote);
      }
      ++i;  // the closing quote; the rest of the line may only be a comment
      while (i < text.size() && text[i] != '\n') ++i;
    } else {
      size_t start = i;
      while (i < text.size() && text[i] != '\n' && !(text[i] == '#' && i > start && (text[i - 1] == ' ' || text[i - 1] == '\t'))) ++i;
      value = text.substr(start, i - start);
      while (i < text.size() && text[i] != '\n') ++i;
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    }
    out[key] = value;
  }
}

namespace {

// wrangler's secrets for `verge dev`: --env-file files, else .dev.vars
// (.dev.vars.<env> first), else the .env files; later files override.
void loadSecrets(ProjectConfig& cfg, const ProjectOptions& options) {
  std::vector<fs::path> files;
  if (!options.env_files.empty()) {
    for (const auto& f : options.env_files) {
      if (!fs::exists(f)) throw ConfigError(f.string() + ": no such file (--env-file)");
      files.push_back(f);
    }
  } else {
    fs::path dev_vars = cfg.root / ".dev.vars";
    if (!options.env.empty() && fs::exists(cfg.root / (".dev.vars." + options.env))) {
      files.push_back(cfg.root / (".dev.vars." + options.env));
    } else if (fs::exists(dev_vars)) {
      files.push_back(dev_vars);
    } else {
      std::vector<std::string> names = {".env", ".env.local"};
      if (!options.env.empty()) {
        names.push_back(".env." + options.env);
        names.push_back(".env." + options.env + ".local");
      }
      for (const auto& n : names) {
        if (fs::exists(cfg.root / n)) files.push_back(cfg.root / n);
      }
    }
  }
  std::map<std::string, std::string> secrets;
  for (const auto& f : files) readDotenv(f, secrets);
  for (auto& [k, v] : secrets) {
    cfg.vars[k] = v;
    cfg.json_vars.erase(k);
  }
  cfg.secret_files = files;
}

}  // namespace

ProjectConfig loadProjectConfig(const fs::path& path, const ProjectOptions& options) {
  ProjectConfig cfg;
  std::error_code ec;
  if (!options.config.empty()) {
    if (!fs::is_regular_file(options.config, ec)) {
      throw ConfigError(options.config.string() + ": no such config file (--config)");
    }
    cfg.config_file = fs::absolute(options.config).lexically_normal();
    cfg.root = cfg.config_file.parent_path();
  } else {
    if (!fs::exists(path, ec)) throw ConfigError(path.string() + ": no such file or directory");
    if (fs::is_regular_file(path)) {
      cfg.root = fs::absolute(path).lexically_normal().parent_path();
      cfg.main = path.filename().string();
      cfg.name = path.stem().string();
      if (options.dev) loadSecrets(cfg, options);
      return cfg;
    }
    cfg.root = fs::absolute(path).lexically_normal();
    if (cfg.root.filename().empty()) cfg.root = cfg.root.parent_path();  // "dir/" → "dir"
    // wrangler's order.
    for (const char* name : {"wrangler.json", "wrangler.jsonc", "wrangler.toml"}) {
      if (fs::exists(cfg.root / name)) {
        cfg.config_file = cfg.root / name;
        break;
      }
    }
    if (cfg.config_file.empty()) {
      throw ConfigError(cfg.root.string() +
                        ": no wrangler.json, wrangler.jsonc or wrangler.toml here; pass a script "
                        "file or a project folder");
    }
  }
  nlohmann::json top = readWranglerConfig(cfg.config_file);
  applyWranglerConfig(cfg.config_file, forEnvironment(cfg.config_file, top, options.env, cfg.warnings), cfg);
  if (cfg.compatibility_date.empty()) {
    // As wrangler does: today's behaviour, said out loud.
    std::time_t now = std::time(nullptr);
    char today[11];
    std::strftime(today, sizeof today, "%Y-%m-%d", std::gmtime(&now));
    cfg.compatibility_date = today;
    cfg.warnings.push_back(std::string("no compatibility_date is set; using today's date, ") + today +
                           ", as wrangler does (set one to keep the behaviour fixed)");
  }
  // Without `main` the project must have assets: it is then assets-only.
  if (cfg.main.empty() && !cfg.assets) {
    fail(cfg.config_file, "main", "is required (the worker's entry module), unless the project has assets");
  }
  if (cfg.main.empty() && (cfg.assets->run_worker_first || !cfg.assets->run_worker_first_rules.empty())) {
    fail(cfg.config_file, "assets.run_worker_first", "needs a worker: set `main`, or leave run_worker_first out");
  }
  if (cfg.name.empty()) cfg.name = cfg.root.filename().string();
  // wrangler's rule for names: lowercase letters, digits and dashes.
  static const std::regex kName("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$");
  if (!std::regex_match(cfg.name, kName) || cfg.name.size() > 63) {
    fail(cfg.config_file, "name",
         "\"" + cfg.name + "\" is not a valid worker name: use lowercase letters, digits and dashes "
         "(not at either end), at most 63 characters");
  }
  if (options.dev) loadSecrets(cfg, options);
  return cfg;
}

runtime::WorkerScript buildWorker(const ProjectConfig& project, const fs::path& build_dir) {
  runtime::WorkerScript w;
  w.name = project.name;
  w.vars = project.vars;
  w.json_vars = project.json_vars;
  w.bindings = project.bindings;
  w.compatibility_date = project.compatibility_date;
  w.compatibility_flags = project.compatibility_flags;
  if (project.cpu_ms) w.limits.cpu = std::chrono::milliseconds(*project.cpu_ms);
  if (project.assets && !project.assets->binding.empty()) {
    w.bindings.push_back({runtime::Binding::Kind::kAssets, project.assets->binding, project.assets->binding, ""});
  }
  const fs::path& where = project.config_file.empty() ? project.root / project.main : project.config_file;
  if (!project.build_command.empty()) {
    std::string output;
    fs::path cwd = (project.root / project.build_cwd).lexically_normal();
    int rc = runBuildCommand(project.build_command, cwd, output);
    if (rc != 0) {
      fail(where, "build.command",
           "`" + project.build_command + "` failed (exit " + std::to_string(rc) + "):\n" + output);
    }
  }
  fs::path main = (project.root / project.main).lexically_normal();
  if (!fs::exists(main)) fail(where, "main", "entry module " + main.string() + " does not exist");
  // Module resolution and bundling stay inside the project folder: a worker
  // must not read another project's files (or any other file of the node).
  ProjectFolder folder(project.root);
  auto real_main = folder.resolve(main, false);
  if (!real_main) fail(where, "main", "the entry module " + folder.outside(main));
  std::string code = readFile(*real_main);
  // A classic (service-worker syntax) script stays one: it has no imports
  // to bundle, and is only compiled (TypeScript, JSX) into an IIFE, never
  // turned into a module. A module is always bundled, as wrangler does,
  // unless the config says no_bundle.
  const bool module_syntax = runtime::looksLikeModule(code);
  const bool bundle = module_syntax ? !project.no_bundle : needsCompiling(main);
  if (bundle) {
    BundleRequest request;
    request.entry = *real_main;
    request.root = folder.root();
    request.outdir = build_dir / project.name;
    request.module_syntax = module_syntax;
    request.node_compat = w.nodeCompat();
    request.node_compat_v2 = w.nodeCompatV2();
    request.define = project.define;
    request.alias = project.alias;
    request.rules = project.rules;
    request.minify = project.minify;
    request.jsx_factory = project.jsx_factory;
    request.jsx_fragment = project.jsx_fragment;
    if (!project.tsconfig.empty()) request.tsconfig = (project.root / project.tsconfig).lexically_normal();
    BundleResult result;
    try {
      result = bundleWorker(request);
    } catch (const BundleError& e) {
      fail(where, "main", std::string("bundling failed:\n") + e.what());
    }
    // What esbuild read is what the bundle contains: check it before using
    // it, and leave no bundle with an outside file's content behind.
    try {
      checkBundleInputs(folder, where, result.metafile, folder.root());
      for (const auto& m : result.modules) {
        if (m.type == runtime::ModuleSource::Type::kEsm) continue;
        if (!folder.resolve(m.path, true)) fail(where, "main", "the module " + m.name + ": " + folder.outside(m.path));
      }
    } catch (const ConfigError&) {
      std::error_code ignored;
      fs::remove_all(request.outdir, ignored);
      throw;
    }
    for (const auto& m : result.modules) w.modules.push_back({m.name, readFile(m.path), m.type});
    w.main_module = result.main;
    if (fs::exists(result.sourcemap)) w.source_maps[result.main] = readFile(result.sourcemap);
  } else {
    std::set<std::string> seen;
    collectModules(folder, project.root, where, main, seen, w.modules);
    w.main_module = fs::relative(main, project.root).generic_string();
    if (project.find_additional_modules) {
      fs::path base = project.base_dir.empty() ? main.parent_path() : (project.root / project.base_dir).lexically_normal();
      addAdditionalModules(folder, project, where, base, seen, w.modules);
    }
  }
  w.service_worker_syntax = !module_syntax;
  if (w.service_worker_syntax) {
    // A classic script: just the one file.
    w.modules.erase(std::remove_if(w.modules.begin(), w.modules.end(),
                                   [&](const auto& m) { return m.name != w.main_module; }),
                    w.modules.end());
  }
  return w;
}

std::shared_ptr<const AssetServer> loadProjectAssets(const ProjectConfig& project) {
  std::vector<std::string> warnings;
  std::shared_ptr<const AssetServer> server;
  try {
    server = AssetServer::load(*project.assets, warnings);
  } catch (const std::runtime_error& e) {
    fail(project.config_file, "assets", e.what());
  }
  for (const auto& w : warnings) base::logLine(base::LogLevel::kWarn, "assets: " + w);
  return server;
}

NodeConfig loadNodeConfig(const fs::path& file, bool resolve_token_env) {
  NodeConfig cfg;
  cfg.file = file;
  if (!fs::exists(file)) throw ConfigError(file.string() + ": no such file");
  toml::table t = parseToml(file);
  fs::path base = fs::absolute(file).parent_path();
  // Like every path in the file, the default data directory is relative to
  // the file, not to wherever verge was started.
  cfg.data_dir = base / cfg.data_dir;
  static const std::set<std::string> kTop = {"server", "limits", "cache", "admin", "workers", "zones"};
  for (const auto& [k, v] : t) {
    if (!kTop.count(std::string(k.str()))) {
      fail(file, k.str(), "unknown key (expected server, limits, cache, admin, [[workers]] or [[zones]])");
    }
  }
  if (auto* server = t["server"].as_table()) {
    for (const auto& [k, v] : *server) {
      std::string key = "server." + std::string(k.str());
      if (k == "listen") {
        parseListen(file, key, v, cfg.listen_host, cfg.port);
      } else if (k == "threads") {
        auto n = v.value<int64_t>();
        if (!n || *n < 0 || *n > 1024) fail(file, key, "must be an integer 0..1024 (0 = one per core)");
        cfg.threads = static_cast<int>(*n);
      } else if (k == "colo") {
        auto s = v.value<std::string>();
        if (!s) fail(file, key, "must be a string");
        cfg.colo = *s;
      } else if (k == "data_dir") {
        auto s = v.value<std::string>();
        if (!s) fail(file, key, "must be a string (a folder path)");
        cfg.data_dir = fs::path(*s).is_absolute() ? fs::path(*s) : base / *s;
      } else if (k == "geoip_database" || k == "geoip_asn_database") {
        auto s = v.value<std::string>();
        if (!s || s->empty()) fail(file, key, "must be the path of a MaxMind DB file (.mmdb)");
        (k == "geoip_database" ? cfg.geoip_database : cfg.geoip_asn_database) =
            fs::path(*s).is_absolute() ? fs::path(*s) : base / *s;
      } else {
        fail(file, key,
             "unknown key (expected listen, threads, colo, data_dir, geoip_database or geoip_asn_database)");
      }
    }
  } else if (t.contains("server")) {
    fail(file, "server", "must be a table");
  }
  if (auto* limits = t["limits"].as_table()) {
    for (const auto& [k, v] : *limits) {
      std::string key = "limits." + std::string(k.str());
      auto n = v.value<int64_t>();
      if (!n || *n <= 0) fail(file, key, "must be a positive integer");
      if (k == "max_header_bytes") cfg.limits.max_header_bytes = static_cast<size_t>(*n);
      else if (k == "max_header_count") cfg.limits.max_header_count = static_cast<size_t>(*n);
      else if (k == "max_body_bytes") cfg.limits.max_body_bytes = static_cast<uint64_t>(*n);
      else if (k == "header_timeout_ms") cfg.limits.header_timeout = std::chrono::milliseconds(*n);
      else if (k == "idle_timeout_ms") cfg.limits.idle_timeout = std::chrono::milliseconds(*n);
      else if (k == "body_timeout_ms") cfg.limits.body_timeout = std::chrono::milliseconds(*n);
      else if (k == "max_connections") cfg.limits.max_connections = static_cast<size_t>(*n);
      else fail(file, key, "unknown key (expected max_header_bytes, max_header_count, max_body_bytes, header_timeout_ms, idle_timeout_ms, body_timeout_ms or max_connections)");
    }
  }
  if (auto* c = t["cache"].as_table()) {
    for (const auto& [k, v] : *c) {
      std::string key = "cache." + std::string(k.str());
      if (k == "memory_mb") cfg.cache_memory_mb = megabytes(file, key, v, int64_t{1} << 20);
      else if (k == "disk_mb") cfg.cache_disk_mb = megabytes(file, key, v, int64_t{1} << 30);
      else fail(file, key, "unknown key (expected memory_mb or disk_mb)");
    }
  } else if (t.contains("cache")) {
    fail(file, "cache", "must be a table ([cache])");
  }
  if (auto* admin = t.get("admin")) {
    parseAdmin(file, *admin, resolve_token_env, cfg.admin);
    // The server's listeners use SO_REUSEPORT: an admin listener on the
    // server's port would share (or, on a more specific address, take over)
    // its traffic, so the two ports must differ.
    if (cfg.admin.port != 0 && cfg.admin.port == cfg.port) {
      fail(file, "admin.listen", "must use its own port, not server.listen's " + std::to_string(cfg.port));
    }
  }
  if (auto* workers = t["workers"].as_array()) {
    size_t index = 0;
    for (auto& node : *workers) {
      std::string prefix = "workers[" + std::to_string(index++) + "]";
      auto* w = node.as_table();
      if (!w) fail(file, prefix, "must be a table ([[workers]])");
      NodeWorker nw;
      for (const auto& [k, v] : *w) {
        std::string key = prefix + "." + std::string(k.str());
        if (k == "name") {
          auto s = v.value<std::string>();
          if (!s || s->empty()) fail(file, key, "must be a non-empty string");
          nw.name = *s;
        } else if (k == "path") {
          auto s = v.value<std::string>();
          if (!s) fail(file, key, "must be a string (a project folder or a script)");
          nw.path = fs::path(*s).is_absolute() ? fs::path(*s) : base / *s;
        } else if (k == "routes") {
          auto* arr = v.as_array();
          if (!arr || arr->empty()) fail(file, key, "must be a non-empty array of route patterns");
          for (auto& r : *arr) {
            auto s = r.value<std::string>();
            if (!s || s->empty()) fail(file, key, "must contain strings like \"example.com\" or \"example.com/api/*\"");
            nw.routes.push_back(*s);
          }
        } else if (k == "origin") {
          auto s = v.value<std::string>();
          if (!s || (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0)) {
            fail(file, key, "must be an http:// or https:// URL");
          }
          nw.origin = *s;
        } else if (k == "vars") {
          auto* tab = v.as_table();
          if (!tab) fail(file, key, "must be a table");
          addTomlVars(*tab, nw.vars, nw.json_vars);
        } else if (k == "env") {
          auto s = v.value<std::string>();
          if (!s || s->empty()) fail(file, key, "must be the name of an environment of the project's wrangler config");
          nw.env = *s;
        } else if (k == "egress_allow") {
          auto* arr = v.as_array();
          if (!arr) fail(file, key, "must be an array of addresses or networks, e.g. [\"10.0.0.0/8\", \"127.0.0.1:9000\"]");
          size_t entry_index = 0;
          for (auto& e : *arr) {
            std::string entry_key = key + "[" + std::to_string(entry_index++) + "]";
            auto s = e.value<std::string>();
            if (!s) fail(file, entry_key, "must be a string: an IP, IP:port, [IPv6]:port or a CIDR network");
            std::string error;
            if (!net::EgressPolicy::parseAllowEntry(*s, error)) fail(file, entry_key, error);
            nw.egress_allow.push_back(*s);
          }
        } else {
          fail(file, key, "unknown key (expected name, path, env, routes, origin, vars or egress_allow)");
        }
      }
      if (nw.path.empty()) fail(file, prefix + ".path", "is required");
      if (nw.routes.empty()) fail(file, prefix + ".routes", "is required");
      if (nw.name.empty()) nw.name = nw.path.filename().string();
      cfg.workers.push_back(std::move(nw));
    }
  } else if (t.contains("workers")) {
    fail(file, "workers", "must be an array of tables ([[workers]])");
  }
  if (auto* zones = t["zones"].as_array()) {
    size_t index = 0;
    for (auto& node : *zones) {
      std::string prefix = "zones[" + std::to_string(index++) + "]";
      auto* z = node.as_table();
      if (!z) fail(file, prefix, "must be a table ([[zones]])");
      NodeZone zone;
      for (const auto& [k, v] : *z) {
        std::string key = prefix + "." + std::string(k.str());
        if (k == "name") {
          auto s = v.value<std::string>();
          if (!s || s->empty()) fail(file, key, "must be a non-empty string");
          zone.name = *s;
        } else if (k == "hosts") {
          auto* arr = v.as_array();
          if (!arr || arr->empty()) fail(file, key, "must be a non-empty array of host patterns");
          for (auto& h : *arr) {
            auto s = h.value<std::string>();
            if (!s || s->empty()) fail(file, key, "must contain strings like \"example.com\" or \"*.example.com\"");
            zone.hosts.push_back(*s);
          }
        } else if (k == "origin") {
          auto s = v.value<std::string>();
          if (!s || (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0)) {
            fail(file, key, "must be an http:// or https:// URL");
          }
          zone.origin = *s;
          while (!zone.origin.empty() && zone.origin.back() == '/') zone.origin.pop_back();
        } else if (k == "cache_rules") {
          auto* arr = v.as_array();
          if (!arr) fail(file, key, "must be an array of tables ([[zones.cache_rules]])");
          size_t rule_index = 0;
          for (auto& rule : *arr) {
            zone.cache_rules.push_back(
                parseCacheRule(file, key + "[" + std::to_string(rule_index++) + "]", rule));
          }
        } else if (k == "connect_timeout_ms" || k == "response_timeout_ms" || k == "body_timeout_ms") {
          auto n = v.value<int64_t>();
          if (!v.is_integer() || !n || *n <= 0 || *n > 3'600'000) {
            fail(file, key, "must be an integer number of milliseconds, 1..3600000");
          }
          auto& field = k == "connect_timeout_ms" ? zone.connect_timeout
                        : k == "response_timeout_ms" ? zone.response_timeout : zone.body_timeout;
          field = std::chrono::milliseconds(*n);
        } else {
          fail(file, key,
               "unknown key (expected name, hosts, origin, cache_rules, connect_timeout_ms, response_timeout_ms "
               "or body_timeout_ms)");
        }
      }
      if (zone.hosts.empty()) fail(file, prefix + ".hosts", "is required");
      if (zone.origin.empty()) fail(file, prefix + ".origin", "is required");
      if (zone.name.empty()) zone.name = zone.hosts.front();
      // The name scopes the zone's cache objects and names it in the admin
      // API, so it must be unique.
      for (const auto& other : cfg.zones) {
        if (other.name == zone.name) {
          fail(file, prefix + ".name",
               "another zone is already named \"" + zone.name + "\" (zone names must be unique)");
        }
      }
      cfg.zones.push_back(std::move(zone));
    }
  } else if (t.contains("zones")) {
    fail(file, "zones", "must be an array of tables ([[zones]])");
  }
  if (cfg.workers.empty() && cfg.zones.empty()) {
    fail(file, "workers", "at least one [[workers]] or [[zones]] entry is required");
  }
  return cfg;
}

}  // namespace verge::edge
