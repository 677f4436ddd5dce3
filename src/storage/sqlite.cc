#include "storage/sqlite.h"

#include <sqlite3.h>
#include <unistd.h>

#include <utility>

namespace verge::storage {

namespace {
[[noreturn]] void fail(sqlite3* db, int rc) {
  std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(rc, message);
}

// An empty std::string_view may carry a null data(); SQLite reads a null
// pointer as "bind NULL" (or, for prepare, as misuse), not as "empty".
const char* nonNull(std::string_view s) { return s.data() ? s.data() : ""; }
// Another connection (another server thread, the CLI) holds the write lock.
// SQLite's default busy timeout sleeps 1, 2, 5, 10 … 25 ms between tries;
// on an event-loop thread every such sleep stalls all of that thread's
// requests, while a write holds the lock for tens of microseconds. So poll
// finely first, then back off, and give up after about 10 s.
int waitForLock(void*, int attempt) {
  if (attempt < 1000) {
    usleep(50);
  } else if (attempt < 11'000) {
    usleep(1000);
  } else {
    return 0;  // SQLITE_BUSY reaches the caller
  }
  return 1;
}

}  // namespace

std::unique_ptr<Database> Database::open(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    // Report a directory we cannot create the way SQLite reports a file it
    // cannot open, so callers only catch SqliteError.
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw SqliteError(SQLITE_CANTOPEN, path.string() + ": " + ec.message());
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw SqliteError(rc, path.string() + ": " + message);
  }
  std::unique_ptr<Database> out(new Database(db));
  sqlite3_busy_handler(db, &waitForLock, nullptr);
  // WAL: readers do not block the writer; synchronous=NORMAL keeps every
  // committed transaction across a process crash (kill -9).
  out->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  return out;
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqliteError(rc, message);
  }
}

Statement Database::prepare(std::string_view sql, std::string_view* tail) {
  sqlite3_stmt* stmt = nullptr;
  const char* rest = nullptr;
  const char* text = nonNull(sql);
  int rc = sqlite3_prepare_v2(db_, text, static_cast<int>(sql.size()), &stmt, &rest);
  if (rc != SQLITE_OK) fail(db_, rc);
  // An empty or comment-only input compiles to no statement (stmt == null);
  // step() on it then reports "no rows".
  if (tail) *tail = rest ? sql.substr(static_cast<size_t>(rest - text)) : std::string_view();
  return Statement(db_, stmt);
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }
int64_t Database::lastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
int64_t Database::totalChanges() const { return sqlite3_total_changes64(db_); }

int64_t Database::sizeBytes() {
  Statement count = prepare("PRAGMA page_count");
  Statement size = prepare("PRAGMA page_size");
  if (!count.step() || !size.step()) return 0;
  return count.columnInt(0) * size.columnInt(0);
}

Database::Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Database::Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // Nothing more to do: SQLite already rolled back (e.g. after a full disk).
    }
  }
}

void Database::Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bindNull(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(db_, rc);
  return *this;
}
Statement& Statement::bind(int index, int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(db_, rc);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) fail(db_, rc);
  return *this;
}
Statement& Statement::bindText(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, nonNull(value), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_, rc);
  return *this;
}
Statement& Statement::bindBlob(int index, std::string_view value) {
  int rc = sqlite3_bind_blob64(stmt_, index, nonNull(value), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc);
  return *this;
}
int Statement::parameterCount() const { return sqlite3_bind_parameter_count(stmt_); }

bool Statement::step() {
  if (!stmt_) return false;  // compiled from whitespace or comments only
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_step's own code is generic after a failure; report the real one.
  int code = sqlite3_extended_errcode(db_);
  std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw SqliteError(code, message);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::columnCount() const { return sqlite3_column_count(stmt_); }
std::string Statement::columnName(int i) const {
  const char* name = sqlite3_column_name(stmt_, i);
  return name ? name : "";
}
int Statement::columnType(int i) const { return sqlite3_column_type(stmt_, i); }
int64_t Statement::columnInt(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::columnDouble(int i) const { return sqlite3_column_double(stmt_, i); }
std::string Statement::columnText(int i) const {
  const void* data = sqlite3_column_blob(stmt_, i);
  int size = sqlite3_column_bytes(stmt_, i);
  return data ? std::string(static_cast<const char*>(data), static_cast<size_t>(size)) : std::string();
}
std::optional<std::string> Statement::columnTextOrNull(int i) const {
  if (columnType(i) == SQLITE_NULL) return std::nullopt;
  return columnText(i);
}
bool Statement::readonly() const { return sqlite3_stmt_readonly(stmt_) != 0; }

}  // namespace verge::storage
