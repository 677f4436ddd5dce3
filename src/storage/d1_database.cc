#include "storage/d1_database.h"

#include <unordered_map>

#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>

#include "storage/sqlite.h"

namespace verge::storage {

// Compiled statements by SQL text (each validated as one statement), and the
// database size after this connection's last write.
struct D1Database::QueryCache {
  static constexpr size_t kMaxStatements = 128;
  std::unordered_map<std::string, Statement> statements;
  std::optional<int64_t> size_after;
};

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// "SQLITE_CONSTRAINT" for any (extended) result code, as D1 names them.
std::string_view codeName(int code) {
  switch (code & 0xff) {
    case SQLITE_OK:
      return "SQLITE_OK";
    case SQLITE_ERROR:
      return "SQLITE_ERROR";
    case SQLITE_INTERNAL:
      return "SQLITE_INTERNAL";
    case SQLITE_PERM:
      return "SQLITE_PERM";
    case SQLITE_ABORT:
      return "SQLITE_ABORT";
    case SQLITE_BUSY:
      return "SQLITE_BUSY";
    case SQLITE_LOCKED:
      return "SQLITE_LOCKED";
    case SQLITE_NOMEM:
      return "SQLITE_NOMEM";
    case SQLITE_READONLY:
      return "SQLITE_READONLY";
    case SQLITE_INTERRUPT:
      return "SQLITE_INTERRUPT";
    case SQLITE_IOERR:
      return "SQLITE_IOERR";
    case SQLITE_CORRUPT:
      return "SQLITE_CORRUPT";
    case SQLITE_NOTFOUND:
      return "SQLITE_NOTFOUND";
    case SQLITE_FULL:
      return "SQLITE_FULL";
    case SQLITE_CANTOPEN:
      return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL:
      return "SQLITE_PROTOCOL";
    case SQLITE_EMPTY:
      return "SQLITE_EMPTY";
    case SQLITE_SCHEMA:
      return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG:
      return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT:
      return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH:
      return "SQLITE_MISMATCH";
    case SQLITE_MISUSE:
      return "SQLITE_MISUSE";
    case SQLITE_NOLFS:
      return "SQLITE_NOLFS";
    case SQLITE_AUTH:
      return "SQLITE_AUTH";
    case SQLITE_FORMAT:
      return "SQLITE_FORMAT";
    case SQLITE_RANGE:
      return "SQLITE_RANGE";
    case SQLITE_NOTADB:
      return "SQLITE_NOTADB";
    case SQLITE_NOTICE:
      return "SQLITE_NOTICE";
    case SQLITE_WARNING:
      return "SQLITE_WARNING";
    default:
      return "SQLITE_ERROR";
  }
}

// "D1_ERROR: <reason>: SQLITE_<CODE>", the shape of D1's own messages.
D1Error d1Error(std::string_view reason, int code) {
  std::string text = "D1_ERROR: ";
  text += reason;
  text += ": ";
  text += codeName(code);
  return D1Error(text);
}
D1Error d1Error(const SqliteError& e) { return d1Error(e.what(), e.code()); }

// ---- what user SQL may do ----
//
// D1 SQL comes from user code, so it runs under an authorizer. Denied:
// ATTACH/DETACH (and VACUUM, which attaches) because they open arbitrary
// files as the server's user; BEGIN/COMMIT/SAVEPOINT because transactions
// belong to batch() and migrations, and one left open would hold the write
// lock against every other thread; and any PRAGMA outside a list of
// introspection and per-connection behaviour switches, as on D1.
//
// Our own BEGIN/COMMIT/ROLLBACK run inside a Trusted scope. The flag is
// per thread because a connection is only used by one thread at a time and
// the authorizer runs on the thread that prepares.
thread_local int t_trusted_depth = 0;

struct Trusted {
  Trusted() { ++t_trusted_depth; }
  ~Trusted() { --t_trusted_depth; }
  Trusted(const Trusted&) = delete;
  Trusted& operator=(const Trusted&) = delete;
};

bool pragmaAllowed(std::string_view name, const char* value) {
  // Inspection that may name a table or index: PRAGMA table_info(users).
  static constexpr std::string_view kInspectWithArgument[] = {
      "table_list",  "table_info",      "table_xinfo",      "index_list",
      "index_info",  "index_xinfo",     "foreign_key_list", "foreign_key_check",
      "quick_check", "integrity_check", "optimize"};
  // Readable, but setting them would change the file itself.
  static constexpr std::string_view kReadOnly[] = {
      "page_count",     "page_size",   "freelist_count", "data_version",
      "schema_version", "encoding",    "collation_list", "function_list",
      "pragma_list",    "module_list", "compile_options"};
  // Switches D1 lets users flip: they change what this connection enforces
  // (user_version: a number kept for the application), never the format.
  static constexpr std::string_view kSwitches[] = {"foreign_keys",
                                                   "defer_foreign_keys",
                                                   "case_sensitive_like",
                                                   "ignore_check_constraints",
                                                   "legacy_alter_table",
                                                   "recursive_triggers",
                                                   "reverse_unordered_selects",
                                                   "user_version"};
  auto in = [&](const auto& list) {
    return std::find(std::begin(list), std::end(list), name) != std::end(list);
  };
  if (in(kInspectWithArgument) || in(kSwitches)) return true;
  return value == nullptr && in(kReadOnly);
}

int authorize(void*, int action, const char* arg1, const char* arg2, const char*, const char*) {
  if (t_trusted_depth > 0) return SQLITE_OK;
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
      return SQLITE_DENY;
    case SQLITE_PRAGMA:
      return arg1 && pragmaAllowed(arg1, arg2) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_READ:
      // The table-valued forms (SELECT * FROM pragma_database_list) are
      // reads of "pragma_*" tables; the same list applies, read-only.
      if (arg1 && std::string_view(arg1).starts_with("pragma_")) {
        return pragmaAllowed(std::string_view(arg1).substr(7), nullptr) ? SQLITE_OK : SQLITE_DENY;
      }
      return SQLITE_OK;
    default:
      return SQLITE_OK;
  }
}

// Database::Transaction, but with its BEGIN/COMMIT/ROLLBACK let past the
// authorizer (which refuses them to user SQL).
class TrustedTransaction {
 public:
  explicit TrustedTransaction(Database& db) : db_(db) {
    Trusted trusted;
    db_.exec("BEGIN IMMEDIATE");
  }
  ~TrustedTransaction() {
    if (done_) return;
    Trusted trusted;
    try {
      db_.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // SQLite already rolled back (e.g. after SQLITE_FULL); nothing left to undo.
    }
  }
  TrustedTransaction(const TrustedTransaction&) = delete;
  TrustedTransaction& operator=(const TrustedTransaction&) = delete;

  void commit() {
    Trusted trusted;
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

// ---- SQL text helpers ----

// Index of the first byte at or after `pos` that is not whitespace, a
// comment or a ';' (an empty statement). Mirrors SQLite's tokenizer: "--"
// runs to the end of the line, "/*" to "*/" or the end of the text.
size_t skipSeparators(std::string_view sql, size_t pos) {
  while (pos < sql.size()) {
    char c = sql[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ';') {
      ++pos;
    } else if (sql.substr(pos, 2) == "--") {
      size_t eol = sql.find('\n', pos);
      pos = eol == std::string_view::npos ? sql.size() : eol + 1;
    } else if (sql.substr(pos, 2) == "/*") {
      size_t end = sql.find("*/", pos + 2);
      pos = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  return pos;
}

int lineAt(std::string_view sql, size_t pos) {
  return 1 + static_cast<int>(std::count(sql.begin(), sql.begin() + pos, '\n'));
}

// The statement as an error message quotes it: without the trailing ';'
// and whitespace, cut at 200 bytes.
std::string quoteStatement(std::string_view text) {
  while (!text.empty() &&
         (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back())))) {
    text.remove_suffix(1);
  }
  constexpr size_t kMax = 200;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

// A failure inside a multi-statement script (exec, a migration file).
struct ScriptFailure {
  int line;               // 1-based line where the statement starts
  std::string statement;  // quoteStatement() of it
  std::string reason;     // SQLite's message
  int code;
};

std::string describe(const ScriptFailure& f) {
  return "Error in line " + std::to_string(f.line) + ": " + f.statement + ": " + f.reason + ": " +
         std::string(codeName(f.code));
}

// Runs every statement of `sql` in order, each to completion, using the
// tail sqlite3_prepare_v2 returns. Returns how many ran; throws
// ScriptFailure at the first failure (earlier statements stay applied
// unless the caller holds a transaction).
int runScript(Database& db, std::string_view sql) {
  int count = 0;
  size_t pos = 0;
  for (;;) {
    pos = skipSeparators(sql, pos);
    if (pos >= sql.size()) break;
    std::string_view rest = sql.substr(pos);
    std::string_view tail;
    std::optional<Statement> stmt;
    try {
      stmt.emplace(db.prepare(rest, &tail));
    } catch (const SqliteError& e) {
      // Nothing compiled, so quote up to the next ';'.
      throw ScriptFailure{lineAt(sql, pos), quoteStatement(rest.substr(0, rest.find(';'))),
                          e.what(), e.code()};
    }
    size_t consumed = rest.size() - tail.size();
    if (stmt->handle()) {
      try {
        while (stmt->step()) {
        }
      } catch (const SqliteError& e) {
        throw ScriptFailure{lineAt(sql, pos), quoteStatement(rest.substr(0, consumed)), e.what(),
                            e.code()};
      }
      ++count;
    }
    if (consumed == 0) break;  // cannot happen with a non-empty rest; never loop forever
    pos += consumed;
  }
  return count;
}

void bindParam(Statement& stmt, int index, const D1Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          stmt.bindNull(index);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          stmt.bind(index, v);
        } else if constexpr (std::is_same_v<T, double>) {
          stmt.bind(index, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          stmt.bindText(index, v);
        } else {
          stmt.bindBlob(index, v.bytes);
        }
      },
      value);
}

D1Value columnValue(const Statement& stmt, int i) {
  switch (stmt.columnType(i)) {
    case SQLITE_INTEGER:
      return stmt.columnInt(i);
    case SQLITE_FLOAT:
      return stmt.columnDouble(i);
    case SQLITE_TEXT:
      return stmt.columnText(i);
    case SQLITE_BLOB:
      return D1Blob{stmt.columnText(i)};
    default:
      return std::monostate{};
  }
}

// One statement with its parameters, and its meta. SqliteError escapes to
// the caller, which knows how to name the failure.
D1Result runQuery(Database& db, D1Database::QueryCache& cache, const D1Query& query) {
  Clock::time_point start = Clock::now();
  // Workers prepare the same few statements over and over: keep them
  // compiled. Only statements that passed the checks below are cached.
  auto it = cache.statements.find(query.sql);
  if (it == cache.statements.end()) {
    std::string_view tail;
    Statement fresh = db.prepare(query.sql, &tail);
    if (!fresh.handle()) throw d1Error("No SQL statements detected", SQLITE_MISUSE);
    if (skipSeparators(tail, 0) < tail.size()) {
      throw d1Error("A prepared SQL statement must contain only one statement", SQLITE_ERROR);
    }
    for (int i = 1; i <= fresh.parameterCount(); ++i) {
      const char* name = sqlite3_bind_parameter_name(fresh.handle(), i);
      if (name && name[0] != '?') {
        throw d1Error(
            "Named parameters such as " + std::string(name) + " are not supported; use ? or ?NNN",
            SQLITE_RANGE);
      }
    }
    if (cache.statements.size() >= D1Database::QueryCache::kMaxStatements) cache.statements.clear();
    it = cache.statements.emplace(query.sql, std::move(fresh)).first;
  }
  Statement& stmt = it->second;
  // Leave the statement reset and unbound for its next use, whatever happens.
  struct ResetOnExit {
    Statement& s;
    ~ResetOnExit() { s.reset(); }
  } reset_on_exit{stmt};
  // The scan counter accumulates across runs of a cached statement.
  sqlite3_stmt_status(stmt.handle(), SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);

  // ?NNN and ? share SQLite's numbering: the count is the highest index,
  // so "?1, ?1" wants one value and "?, ?3" wants three.
  int expected = stmt.parameterCount();
  if (static_cast<size_t>(expected) != query.params.size()) {
    throw d1Error("Wrong number of parameter bindings for SQL query (expected " +
                      std::to_string(expected) + ", given " + std::to_string(query.params.size()) +
                      ")",
                  SQLITE_RANGE);
  }
  for (int i = 1; i <= expected; ++i) bindParam(stmt, i, query.params[static_cast<size_t>(i - 1)]);

  D1Result result;
  int columns = stmt.columnCount();
  result.columns.reserve(static_cast<size_t>(columns));
  for (int i = 0; i < columns; ++i) result.columns.push_back(stmt.columnName(i));

  // Total changes (not sqlite3_changes, which a SELECT or CREATE leaves at
  // the previous write's value) also count rows triggers and cascades
  // touched, as D1's meta.changes does.
  int64_t changes_before = db.totalChanges();
  while (stmt.step()) {
    std::vector<D1Value> row;
    row.reserve(static_cast<size_t>(columns));
    for (int i = 0; i < columns; ++i) row.push_back(columnValue(stmt, i));
    result.rows.push_back(std::move(row));
  }

  D1Meta& meta = result.meta;
  meta.changes = db.totalChanges() - changes_before;
  meta.rows_written = meta.changes;
  meta.changed_db = !stmt.readonly();
  meta.last_row_id = db.lastInsertRowid();
  // Stock SQLite cannot count every row a query touches (D1's patched
  // SQLite can). Our estimate is the largest of:
  //  - rows returned;
  //  - rows visited by full table scans: SQLITE_STMTSTATUS_FULLSCAN_STEP
  //    counts each successful step to a next row, so a scan of N rows
  //    reports N - 1 and we add the first row back (for a join that
  //    restarts an inner scan this undercounts by one per restart);
  //  - rows changed, since an UPDATE or DELETE read each row it changed
  //    (found by index, it shows up nowhere else). An INSERT therefore
  //    reports its written rows as read too.
  // Index lookups of rows then neither returned nor changed are not counted,
  // nor is the table walk behind count(*), which SQLite does without a scan.
  int64_t steps = sqlite3_stmt_status(stmt.handle(), SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
  int64_t scanned = steps > 0 ? steps + 1 : 0;
  meta.rows_read = std::max({static_cast<int64_t>(result.rows.size()), scanned, meta.changes});
  // The size changes only with writes; a read reports the size after this
  // connection's last write (another thread's writes show up at our next).
  if (meta.changed_db || !cache.size_after) cache.size_after = db.sizeBytes();
  meta.size_after = *cache.size_after;
  meta.duration_ms = msSince(start);
  return result;
}

// ---- migrations ----

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS d1_migrations("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT UNIQUE,"
    " applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)";

// The leading number of "0003_add_users.sql"; nullopt without digits.
std::optional<int64_t> migrationNumber(std::string_view name) {
  int64_t n = 0;
  size_t i = 0;
  for (; i < name.size() && i < 18 && name[i] >= '0' && name[i] <= '9'; ++i)
    n = n * 10 + (name[i] - '0');
  if (i == 0) return std::nullopt;
  return n;
}

// Every *.sql file in `dir` (as wrangler takes them), ordered by leading
// number, then name; files without a number go last.
std::vector<std::string> migrationFiles(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw d1Error("No migrations present at " + dir.string(), SQLITE_CANTOPEN);
  }
  std::vector<std::string> names;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() > 4 && name.ends_with(".sql") && it->is_regular_file(ec)) names.push_back(name);
  }
  if (ec) throw d1Error("Cannot read " + dir.string() + ": " + ec.message(), SQLITE_CANTOPEN);
  auto order = [](const std::string& a, const std::string& b) {
    int64_t na = migrationNumber(a).value_or(std::numeric_limits<int64_t>::max());
    int64_t nb = migrationNumber(b).value_or(std::numeric_limits<int64_t>::max());
    return na != nb ? na < nb : a < b;
  };
  std::sort(names.begin(), names.end(), order);
  return names;
}

std::set<std::string> appliedMigrations(Database& db) {
  db.exec(kCreateMigrationsTable);
  std::set<std::string> applied;
  Statement stmt = db.prepare("SELECT name FROM d1_migrations ORDER BY id");
  while (stmt.step()) applied.insert(stmt.columnText(0));
  return applied;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw d1Error("Cannot read " + path.string(), SQLITE_CANTOPEN);
  return text.str();
}

// "2024-05-01T12:34:56.789Z", as wrangler stamps a new migration.
std::string isoTimestampNow() {
  auto now = std::chrono::system_clock::now();
  time_t seconds = std::chrono::system_clock::to_time_t(now);
  int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];  // room for any int the compiler imagines in each field
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms);
  return text;
}

}  // namespace

D1Database::D1Database(const std::filesystem::path& file) {
  try {
    db_ = Database::open(file);
  } catch (const SqliteError& e) {
    throw d1Error(e);
  }
  sqlite3* handle = db_->handle();
  // No attached databases at all: ATTACH, and VACUUM (which attaches its
  // scratch copy), would reach files outside this database.
  sqlite3_limit(handle, SQLITE_LIMIT_ATTACHED, 0);
  // Refuse writes that corrupt the file on purpose (writable_schema, ...).
  sqlite3_db_config(handle, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_set_authorizer(handle, authorize, nullptr);
  cache_ = std::make_unique<QueryCache>();
}

D1Database::~D1Database() = default;

void D1Database::setProgressCheck(std::function<bool()> check) {
  progress_check_ = std::move(check);
  sqlite3* handle = db_->handle();
  if (!progress_check_) {
    sqlite3_progress_handler(handle, 0, nullptr, nullptr);
    return;
  }
  // About 4k VM steps between calls: well under a millisecond of work, and
  // the check itself is one atomic load.
  sqlite3_progress_handler(
      handle, 4096, [](void* self) { return static_cast<D1Database*>(self)->progress_check_() ? 1 : 0; },
      this);
}

D1Result D1Database::query(const D1Query& query) {
  try {
    return runQuery(*db_, *cache_, query);
  } catch (const SqliteError& e) {
    throw d1Error(e);
  }
}

std::vector<D1Result> D1Database::batch(const std::vector<D1Query>& queries) {
  std::vector<D1Result> results;
  results.reserve(queries.size());
  try {
    TrustedTransaction transaction(*db_);
    for (size_t i = 0; i < queries.size(); ++i) {
      // Leaving this scope by an exception rolls the whole batch back.
      auto where = " (batch statement " + std::to_string(i + 1) + " of " +
                   std::to_string(queries.size()) + "; the batch was rolled back)";
      try {
        results.push_back(runQuery(*db_, *cache_, queries[i]));
      } catch (const SqliteError& e) {
        throw D1Error(d1Error(e).what() + where);
      } catch (const D1Error& e) {
        throw D1Error(e.what() + where);
      }
    }
    transaction.commit();
  } catch (const SqliteError& e) {
    // BEGIN or COMMIT failed (e.g. a deferred foreign key at COMMIT).
    throw d1Error(e);
  }
  return results;
}

D1ExecResult D1Database::exec(std::string_view sql) {
  Clock::time_point start = Clock::now();
  D1ExecResult result;
  try {
    result.count = runScript(*db_, sql);
  } catch (const ScriptFailure& f) {
    // D1 reports exec() failures as D1_EXEC_ERROR, naming the line.
    throw D1Error("D1_EXEC_ERROR: " + describe(f));
  }
  result.duration_ms = msSince(start);
  return result;
}

std::vector<D1Migration> listMigrations(D1Database& db, const std::filesystem::path& dir) {
  std::vector<std::string> files = migrationFiles(dir);
  std::set<std::string> applied;
  try {
    applied = appliedMigrations(db.database());
  } catch (const SqliteError& e) {
    throw d1Error(e);
  }
  std::vector<D1Migration> out;
  out.reserve(files.size());
  for (std::string& name : files) {
    bool done = applied.count(name) > 0;
    out.push_back(D1Migration{std::move(name), done});
  }
  return out;
}

std::filesystem::path createMigration(const std::filesystem::path& dir,
                                      std::string_view description) {
  // wrangler turns spaces into '_'; we also drop what cannot sit in a file
  // name (separators, control bytes) so the file lands inside `dir`.
  std::string slug;
  for (char c : description) {
    unsigned char u = static_cast<unsigned char>(c);
    slug += (c == '/' || c == '\\' || u < 0x20 || u == 0x7f || std::isspace(u)) ? '_' : c;
  }
  if (slug.find_first_not_of('_') == std::string::npos) {
    throw d1Error("A migration needs a description, e.g. \"create users\"", SQLITE_MISUSE);
  }

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw d1Error("Cannot create " + dir.string() + ": " + ec.message(), SQLITE_CANTOPEN);

  // wrangler: one more than the highest number present, 0000 in an empty folder.
  int64_t highest = -1;
  for (const std::string& name : migrationFiles(dir)) {
    highest = std::max(highest, migrationNumber(name).value_or(-1));
  }
  char number[24];
  std::snprintf(number, sizeof number, "%04lld", static_cast<long long>(highest + 1));
  std::filesystem::path path = dir / (std::string(number) + "_" + slug + ".sql");
  if (std::filesystem::exists(path, ec)) {
    throw d1Error(path.string() + " already exists", SQLITE_CANTOPEN);
  }
  std::ofstream out(path, std::ios::binary);
  out << "-- Migration number: " << number << " \t " << isoTimestampNow() << "\n";
  out.close();
  if (!out) throw d1Error("Cannot write " + path.string(), SQLITE_CANTOPEN);
  return path;
}

std::vector<std::string> applyMigrations(D1Database& db, const std::filesystem::path& dir) {
  std::vector<std::string> files = migrationFiles(dir);
  Database& database = db.database();
  std::vector<std::string> done;
  try {
    std::set<std::string> applied = appliedMigrations(database);
    for (const std::string& name : files) {
      if (applied.count(name)) continue;
      std::string sql = readFile(dir / name);
      // The file and its d1_migrations row commit together or not at all,
      // so a failed migration can be fixed and applied again.
      try {
        TrustedTransaction transaction(database);
        runScript(database, sql);
        Statement record = database.prepare("INSERT INTO d1_migrations (name) VALUES (?1)");
        record.bindText(1, name);
        record.step();
        transaction.commit();
      } catch (const ScriptFailure& f) {
        throw D1Error("D1_ERROR: Migration " + name + " failed: " + describe(f));
      } catch (const SqliteError& e) {
        throw D1Error("D1_ERROR: Migration " + name + " failed: " + e.what() + ": " +
                      std::string(codeName(e.code())));
      }
      done.push_back(name);
    }
  } catch (const SqliteError& e) {
    throw d1Error(e);
  }
  return done;
}

}  // namespace verge::storage
