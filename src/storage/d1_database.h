// D1 on SQLite: one database file per D1 database in the data directory.
// Mirrors the D1 client API's results (results + meta), batch() as one
// transaction, exec() of several statements, and wrangler-style migrations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace verge::storage {

class Database;

// Any failure, with the message D1 uses: "D1_ERROR: " + SQLite's reason
// (e.g. "D1_ERROR: no such table: users: SQLITE_ERROR").
class D1Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct D1Blob {
  std::string bytes;
};
// NULL, INTEGER, REAL, TEXT, BLOB.
using D1Value = std::variant<std::monostate, int64_t, double, std::string, D1Blob>;

struct D1Query {
  std::string sql;              // exactly one statement (trailing ';' and whitespace allowed)
  std::vector<D1Value> params;  // for ? (in order) and ?NNN (1-based) placeholders
};

struct D1Meta {
  double duration_ms = 0;
  int64_t changes = 0;
  int64_t last_row_id = 0;
  bool changed_db = false;
  int64_t size_after = 0;  // database size in bytes after the query
  int64_t rows_read = 0;
  int64_t rows_written = 0;
};

struct D1Result {
  std::vector<std::string> columns;
  std::vector<std::vector<D1Value>> rows;
  D1Meta meta;
};

struct D1ExecResult {
  int count = 0;  // statements executed
  double duration_ms = 0;
};

class D1Database {
 public:
  // Opens (creating) the database file. Throws D1Error.
  explicit D1Database(const std::filesystem::path& file);
  ~D1Database();

  // One statement. A wrong number of parameters, more than one statement,
  // or an SQLite error throws D1Error.
  D1Result query(const D1Query& query);
  // All or nothing: one transaction, rolled back when any statement fails
  // (the D1Error names which one).
  std::vector<D1Result> batch(const std::vector<D1Query>& queries);
  // Several statements separated by ';' (no parameters); throws D1Error at
  // the first failure, naming the statement.
  D1ExecResult exec(std::string_view sql);

  Database& database() { return *db_; }

  // Called every few thousand SQLite VM steps while a query runs; returning
  // true interrupts it (the query fails with "D1_ERROR: interrupted:
  // SQLITE_INTERRUPT"). The runtime uses it to enforce the CPU limit and
  // shutdown on queries that would otherwise never end.
  void setProgressCheck(std::function<bool()> check);

  // Prepared statements by SQL text, and the size after this connection's
  // last write. Internal (d1_database.cc).
  struct QueryCache;

 private:
  std::unique_ptr<Database> db_;
  std::unique_ptr<QueryCache> cache_;
  std::function<bool()> progress_check_;
};

// ---- migrations, as `wrangler d1 migrations` does them ----

struct D1Migration {
  std::string name;  // file name, e.g. "0001_create_users.sql"
  bool applied = false;
};

// Files `NNNN_*.sql` in `dir`, sorted by name, and whether each is recorded
// in the `d1_migrations` table (id, name, applied_at).
std::vector<D1Migration> listMigrations(D1Database& db, const std::filesystem::path& dir);
// Creates `dir`/NNNN_<slug>.sql with the next number and a comment header;
// returns its path.
std::filesystem::path createMigration(const std::filesystem::path& dir, std::string_view description);
// Applies every unapplied migration in order, each in its own transaction
// together with its d1_migrations row; stops at the first failure (D1Error
// naming the file). Returns the names applied.
std::vector<std::string> applyMigrations(D1Database& db, const std::filesystem::path& dir);

}  // namespace verge::storage
