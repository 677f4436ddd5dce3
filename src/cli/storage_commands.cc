#include "cli/storage_commands.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edge/config.h"
#include "storage/d1_database.h"
#include "storage/data_dir.h"
#include "storage/kv_store.h"
#include "storage/object_store.h"
#include "storage/sqlite.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace verge::cli {

namespace {

// Where a command finds the project and its data.
struct ProjectArgs {
  std::string config = ".";  // project folder or wrangler file
  std::string persist_to;    // default: <project>/.verge, as `verge dev`
};

void addProjectOptions(CLI::App* cmd, ProjectArgs& args) {
  cmd->add_option("--config,-c", args.config,
                  "Project folder (or its wrangler.toml/json) whose bindings to use")
      ->capture_default_str();
  cmd->add_option("--persist-to", args.persist_to,
                  "Data folder (default: .verge in the project, as `verge dev`; for `verge serve` "
                  "use the node's data_dir)");
}

struct Project {
  edge::ProjectConfig config;
  fs::path data_dir;
};

Project loadProject(const ProjectArgs& args) {
  fs::path p = args.config;
  // A wrangler file names its folder.
  if (fs::is_regular_file(p) && p.filename().string().rfind("wrangler.", 0) == 0) p = p.parent_path();
  if (p.empty()) p = ".";
  Project out{edge::loadProjectConfig(p), {}};
  out.data_dir = args.persist_to.empty() ? out.config.root / ".verge" : fs::path(args.persist_to);
  return out;
}

const runtime::Binding& findBinding(const Project& project, runtime::Binding::Kind kind,
                                    const std::string& wanted, const char* what) {
  for (const auto& b : project.config.bindings) {
    if (b.kind == kind && (b.name == wanted || b.id == wanted || (!b.alias.empty() && b.alias == wanted))) {
      return b;
    }
  }
  std::string known;
  for (const auto& b : project.config.bindings) {
    if (b.kind == kind) known += (known.empty() ? "" : ", ") + b.name;
  }
  throw edge::ConfigError(std::string("no ") + what + " named \"" + wanted + "\" in " +
                          project.config.config_file.string() +
                          (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw edge::ConfigError(file.string() + ": cannot read file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- KV ----

struct KvArgs {
  ProjectArgs project;
  std::string binding, namespace_id, key, value, path, metadata, file, prefix;
  std::optional<int64_t> ttl, expiration;
};

std::string kvNamespace(const KvArgs& a, const Project& p) {
  if (!a.namespace_id.empty()) return a.namespace_id;
  if (a.binding.empty()) throw edge::ConfigError("pass --binding NAME or --namespace-id ID");
  return findBinding(p, runtime::Binding::Kind::kKv, a.binding, "KV namespace binding").id;
}

void addKvCommands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<KvArgs>();
  auto* kv = app.add_subcommand("kv", "Read and write a project's local KV namespaces");
  kv->require_subcommand(1);
  auto* key = kv->add_subcommand("key", "Single keys: put, get, list, delete");
  key->require_subcommand(1);
  auto common = [&](CLI::App* cmd) {
    addProjectOptions(cmd, args->project);
    cmd->add_option("--binding", args->binding, "The KV binding name from the wrangler config");
    cmd->add_option("--namespace-id", args->namespace_id, "The namespace id (instead of --binding)");
  };

  auto* put = key->add_subcommand("put", "Write a value: verge kv key put KEY VALUE (or --path FILE)");
  common(put);
  put->add_option("key", args->key, "The key")->required();
  put->add_option("value", args->value, "The value (or use --path)");
  put->add_option("--path", args->path, "Read the value from this file");
  put->add_option("--metadata", args->metadata, "Metadata as JSON");
  put->add_option("--ttl", args->ttl, "Expire after this many seconds (at least 60)");
  put->add_option("--expiration", args->expiration, "Expire at this UNIX time (seconds)");
  put->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      std::string value = args->path.empty() ? args->value : readAll(args->path);
      std::optional<int64_t> expiration = args->expiration;
      if (args->ttl) expiration = nowMs() / 1000 + *args->ttl;
      std::optional<std::string> metadata;
      if (!args->metadata.empty()) {
        try {
          metadata = json::parse(args->metadata).dump();
        } catch (const json::exception&) {
          throw edge::ConfigError("--metadata: not valid JSON");
        }
      }
      storage::KvStore(storage::kvFile(p.data_dir), nullptr)
          .put(kvNamespace(*args, p), args->key, value, expiration, metadata, nowMs());
      std::cerr << "Wrote key \"" << args->key << "\"." << std::endl;
      return 0;
    };
  });

  auto* get = key->add_subcommand("get", "Print a value: verge kv key get KEY");
  common(get);
  get->add_option("key", args->key, "The key")->required();
  get->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      auto v = storage::KvStore(storage::kvFile(p.data_dir), nullptr)
                   .get(kvNamespace(*args, p), args->key, nowMs());
      if (!v) {
        std::cerr << "Value not found" << std::endl;
        return 1;
      }
      std::cout << v->value << std::flush;
      return 0;
    };
  });

  auto* list = key->add_subcommand("list", "List keys as JSON: verge kv key list [--prefix P]");
  common(list);
  list->add_option("--prefix", args->prefix, "Only keys starting with this");
  list->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      storage::KvStore store(storage::kvFile(p.data_dir), nullptr);
      std::string ns = kvNamespace(*args, p), cursor;
      json out = json::array();
      for (;;) {
        auto r = store.list(ns, args->prefix, 1000, cursor, nowMs());
        for (const auto& k : r.keys) {
          json item = {{"name", k.name}};
          if (k.expiration) item["expiration"] = *k.expiration;
          if (k.metadata) item["metadata"] = json::parse(*k.metadata, nullptr, false);
          out.push_back(item);
        }
        if (r.list_complete) break;
        cursor = r.cursor;
      }
      std::cout << out.dump(2) << std::endl;
      return 0;
    };
  });

  auto* del = key->add_subcommand("delete", "Delete a key: verge kv key delete KEY");
  common(del);
  del->add_option("key", args->key, "The key")->required();
  del->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      storage::KvStore(storage::kvFile(p.data_dir), nullptr).remove(kvNamespace(*args, p), args->key);
      std::cerr << "Deleted key \"" << args->key << "\"." << std::endl;
      return 0;
    };
  });

  auto* bulk = kv->add_subcommand("bulk", "Many keys at once");
  bulk->require_subcommand(1);
  auto* bput = bulk->add_subcommand(
      "put", "Write keys from a JSON file: [{\"key\":…, \"value\":…, \"expiration_ttl\"?, \"metadata\"?, \"base64\"?}]");
  common(bput);
  bput->add_option("file", args->file, "The JSON file")->required();
  bput->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      json items;
      try {
        items = json::parse(readAll(args->file));
      } catch (const json::exception& e) {
        throw edge::ConfigError(args->file + ": invalid JSON: " + e.what());
      }
      if (!items.is_array()) throw edge::ConfigError(args->file + ": must be a JSON array of {key, value}");
      storage::KvStore store(storage::kvFile(p.data_dir), nullptr);
      std::string ns = kvNamespace(*args, p);
      size_t index = 0;
      for (const auto& item : items) {
        std::string where = args->file + ": [" + std::to_string(index++) + "]";
        if (!item.is_object() || !item.contains("key") || !item["key"].is_string() ||
            !item.contains("value") || !item["value"].is_string()) {
          throw edge::ConfigError(where + ": needs string \"key\" and \"value\"");
        }
        std::string value = item["value"].get<std::string>();
        if (item.value("base64", false)) {
          std::string decoded;
          int val = 0, bits = -8;
          for (unsigned char c : value) {
            int d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
                  : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
            if (d < 0) continue;
            val = (val << 6) + d;
            bits += 6;
            if (bits >= 0) {
              decoded += static_cast<char>((val >> bits) & 0xFF);
              bits -= 8;
            }
          }
          value = decoded;
        }
        std::optional<int64_t> expiration;
        if (item.contains("expiration")) expiration = item["expiration"].get<int64_t>();
        if (item.contains("expiration_ttl")) expiration = nowMs() / 1000 + item["expiration_ttl"].get<int64_t>();
        std::optional<std::string> metadata;
        if (item.contains("metadata")) metadata = item["metadata"].dump();
        try {
          store.put(ns, item["key"].get<std::string>(), value, expiration, metadata, nowMs());
        } catch (const storage::KvError& e) {
          throw edge::ConfigError(where + ": " + e.what());
        }
      }
      std::cerr << "Wrote " << items.size() << " key(s)." << std::endl;
      return 0;
    };
  });
}

// ---- D1 ----

struct D1Args {
  ProjectArgs project;
  std::string database, command, file, message;
  bool json_output = false;
};

std::string cell(const storage::D1Value& v) {
  switch (v.index()) {
    case 1: return std::to_string(std::get<int64_t>(v));
    case 2: {
      std::ostringstream ss;
      ss << std::get<double>(v);
      return ss.str();
    }
    case 3: return std::get<std::string>(v);
    case 4: return "<blob " + std::to_string(std::get<storage::D1Blob>(v).bytes.size()) + " bytes>";
    default: return "null";
  }
}

json cellJson(const storage::D1Value& v) {
  switch (v.index()) {
    case 1: return std::get<int64_t>(v);
    case 2: return std::get<double>(v);
    case 3: return std::get<std::string>(v);
    case 4: {
      json a = json::array();
      for (unsigned char c : std::get<storage::D1Blob>(v).bytes) a.push_back(c);
      return a;
    }
    default: return nullptr;
  }
}

void printTable(const storage::D1Result& r) {
  if (r.columns.empty()) return;
  std::vector<size_t> width(r.columns.size());
  for (size_t i = 0; i < r.columns.size(); ++i) width[i] = r.columns[i].size();
  for (const auto& row : r.rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], cell(row[i]).size());
  }
  auto line = [&] {
    std::cout << '+';
    for (size_t w : width) std::cout << std::string(w + 2, '-') << '+';
    std::cout << '\n';
  };
  auto print = [&](const std::vector<std::string>& cells) {
    std::cout << '|';
    for (size_t i = 0; i < width.size(); ++i) {
      std::string c = i < cells.size() ? cells[i] : "";
      std::cout << ' ' << c << std::string(width[i] - c.size(), ' ') << " |";
    }
    std::cout << '\n';
  };
  line();
  print(r.columns);
  line();
  for (const auto& row : r.rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(cell(v));
    print(cells);
  }
  line();
}

fs::path migrationsDir(const Project& p, const runtime::Binding& b) {
  auto it = p.config.d1_migrations_dirs.find(b.name);
  return p.config.root / (it == p.config.d1_migrations_dirs.end() ? "migrations" : it->second);
}

void addD1Commands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<D1Args>();
  auto* d1 = app.add_subcommand("d1", "Query and migrate a project's local D1 databases");
  d1->require_subcommand(1);

  auto* exec = d1->add_subcommand("execute", "Run SQL: verge d1 execute DB --command SQL | --file F.sql");
  addProjectOptions(exec, args->project);
  exec->add_option("database", args->database, "Binding name, database_name or database_id")->required();
  auto* cmd_opt = exec->add_option("--command", args->command, "SQL to run (one or more statements)");
  auto* file_opt = exec->add_option("--file", args->file, "A .sql file to run");
  cmd_opt->excludes(file_opt);
  exec->add_flag("--json", args->json_output, "Print results as JSON");
  exec->callback([args, &run] {
    run = [args] {
      if (args->command.empty() && args->file.empty()) throw edge::ConfigError("pass --command SQL or --file F.sql");
      Project p = loadProject(args->project);
      const auto& b = findBinding(p, runtime::Binding::Kind::kD1, args->database, "D1 database");
      storage::D1Database db(storage::d1File(p.data_dir, b.id));
      std::string sql = args->file.empty() ? args->command : readAll(args->file);
      // Run statement by statement so each one's rows can be shown.
      std::vector<storage::D1Result> results;
      std::string_view rest = sql;
      while (true) {
        size_t start = rest.find_first_not_of(" \t\r\n;");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        // Let SQLite find where the statement ends.
        std::string_view tail;
        try {
          auto probe = db.database().prepare(rest, &tail);
        } catch (const storage::SqliteError& e) {
          throw storage::D1Error(std::string("D1_ERROR: ") + e.what());
        }
        std::string_view one = rest.substr(0, rest.size() - tail.size());
        results.push_back(db.query({std::string(one), {}}));
        rest = tail;
      }
      if (args->json_output) {
        json out = json::array();
        for (const auto& r : results) {
          json rows = json::array();
          for (const auto& row : r.rows) {
            json o = json::object();
            for (size_t i = 0; i < row.size() && i < r.columns.size(); ++i) o[r.columns[i]] = cellJson(row[i]);
            rows.push_back(o);
          }
          out.push_back({{"results", rows},
                         {"success", true},
                         {"meta", {{"changes", r.meta.changes},
                                   {"last_row_id", r.meta.last_row_id},
                                   {"rows_read", r.meta.rows_read},
                                   {"rows_written", r.meta.rows_written},
                                   {"duration", r.meta.duration_ms}}}});
        }
        std::cout << out.dump(2) << std::endl;
      } else {
        for (const auto& r : results) printTable(r);
        std::cerr << "Executed " << results.size() << " statement(s)." << std::endl;
      }
      return 0;
    };
  });

  auto* mig = d1->add_subcommand("migrations", "Create, list and apply migrations (migrations/NNNN_*.sql)");
  mig->require_subcommand(1);
  auto* create = mig->add_subcommand("create", "New migration file: verge d1 migrations create DB MESSAGE");
  addProjectOptions(create, args->project);
  create->add_option("database", args->database, "Binding name, database_name or database_id")->required();
  create->add_option("message", args->message, "What it does (becomes the file name)")->required();
  create->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      const auto& b = findBinding(p, runtime::Binding::Kind::kD1, args->database, "D1 database");
      fs::path file = storage::createMigration(migrationsDir(p, b), args->message);
      std::cout << file.string() << std::endl;
      return 0;
    };
  });
  auto* list = mig->add_subcommand("list", "Show which migrations are applied: verge d1 migrations list DB");
  addProjectOptions(list, args->project);
  list->add_option("database", args->database, "Binding name, database_name or database_id")->required();
  list->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      const auto& b = findBinding(p, runtime::Binding::Kind::kD1, args->database, "D1 database");
      storage::D1Database db(storage::d1File(p.data_dir, b.id));
      auto list = storage::listMigrations(db, migrationsDir(p, b));
      size_t pending = 0;
      for (const auto& m : list) {
        std::cout << (m.applied ? "applied  " : "pending  ") << m.name << "\n";
        if (!m.applied) ++pending;
      }
      if (list.empty()) std::cout << "No migrations in " << migrationsDir(p, b).string() << "\n";
      std::cout << pending << " migration(s) to apply" << std::endl;
      return 0;
    };
  });
  auto* apply = mig->add_subcommand("apply", "Apply pending migrations in order: verge d1 migrations apply DB");
  addProjectOptions(apply, args->project);
  apply->add_option("database", args->database, "Binding name, database_name or database_id")->required();
  apply->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      const auto& b = findBinding(p, runtime::Binding::Kind::kD1, args->database, "D1 database");
      storage::D1Database db(storage::d1File(p.data_dir, b.id));
      auto applied = storage::applyMigrations(db, migrationsDir(p, b));
      for (const auto& name : applied) std::cout << "applied  " << name << "\n";
      std::cout << applied.size() << " migration(s) applied" << std::endl;
      return 0;
    };
  });
}

// ---- R2 ----

struct R2Args {
  ProjectArgs project;
  std::string path, file, content_type;
};

std::pair<std::string, std::string> splitObjectPath(const Project& p, const std::string& path) {
  size_t slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size()) {
    throw edge::ConfigError("\"" + path + "\": expected BUCKET/KEY");
  }
  std::string bucket = path.substr(0, slash);
  const auto& b = findBinding(p, runtime::Binding::Kind::kR2, bucket, "R2 bucket");
  return {b.id, path.substr(slash + 1)};
}

void addR2Commands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<R2Args>();
  auto* r2 = app.add_subcommand("r2", "Read and write a project's local R2 buckets");
  r2->require_subcommand(1);
  auto* object = r2->add_subcommand("object", "Objects: put, get, delete");
  object->require_subcommand(1);

  auto* put = object->add_subcommand("put", "Upload: verge r2 object put BUCKET/KEY --file F");
  addProjectOptions(put, args->project);
  put->add_option("path", args->path, "BUCKET/KEY (bucket_name or binding name)")->required();
  put->add_option("--file,-f", args->file, "The file to upload")->required();
  put->add_option("--content-type", args->content_type, "Stored as httpMetadata.contentType");
  put->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      auto [bucket, key] = splitObjectPath(p, args->path);
      std::ifstream in(args->file, std::ios::binary);
      if (!in) throw edge::ConfigError(args->file + ": cannot read file");
      storage::ObjectStore store(storage::r2Root(p.data_dir));
      auto writer = store.beginPut(bucket, key);
      std::string chunk(64 * 1024, '\0');
      while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (in.gcount() > 0) writer->append(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
      }
      storage::R2PutOptions options;
      if (!args->content_type.empty()) options.http_metadata.content_type = args->content_type;
      auto obj = writer->commit(options);
      std::cerr << "Uploaded " << args->path << " (" << (obj ? obj->size : 0) << " bytes, etag "
                << (obj ? obj->etag : "") << ")." << std::endl;
      return 0;
    };
  });

  auto* get = object->add_subcommand("get", "Download: verge r2 object get BUCKET/KEY [--file F] (stdout by default)");
  addProjectOptions(get, args->project);
  get->add_option("path", args->path, "BUCKET/KEY")->required();
  get->add_option("--file,-f", args->file, "Write to this file instead of stdout");
  get->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      auto [bucket, key] = splitObjectPath(p, args->path);
      storage::ObjectStore store(storage::r2Root(p.data_dir));
      auto r = store.get(bucket, key, std::nullopt, std::nullopt);
      if (!r || !r->body) {
        std::cerr << "The specified key does not exist." << std::endl;
        return 1;
      }
      std::ofstream file;
      std::ostream* out = &std::cout;
      if (!args->file.empty()) {
        file.open(args->file, std::ios::binary);
        if (!file) throw edge::ConfigError(args->file + ": cannot write file");
        out = &file;
      }
      std::string chunk;
      for (;;) {
        chunk.clear();
        bool more = r->body->read(chunk);
        out->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (!more) break;
      }
      out->flush();
      return 0;
    };
  });

  auto* del = object->add_subcommand("delete", "Delete: verge r2 object delete BUCKET/KEY");
  addProjectOptions(del, args->project);
  del->add_option("path", args->path, "BUCKET/KEY")->required();
  del->callback([args, &run] {
    run = [args] {
      Project p = loadProject(args->project);
      auto [bucket, key] = splitObjectPath(p, args->path);
      storage::ObjectStore(storage::r2Root(p.data_dir)).remove(bucket, {key});
      std::cerr << "Deleted " << args->path << "." << std::endl;
      return 0;
    };
  });
}

}  // namespace

void addStorageCommands(CLI::App& app, std::function<int()>& run) {
  addKvCommands(app, run);
  addD1Commands(app, run);
  addR2Commands(app, run);
}

}  // namespace verge::cli
