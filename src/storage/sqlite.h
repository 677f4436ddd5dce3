// A thin RAII layer over SQLite for the storage layer: one Database per
// connection (not thread-safe; each server thread opens its own), prepared
// Statements, and transactions. Every durable file is opened in WAL mode, so
// readers never block the writer and a kill -9 loses no committed write.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace verge::storage {

// An SQLite failure; what() carries SQLite's own message.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Statement;

class Database {
 public:
  // Opens (creating if needed) with WAL, synchronous=NORMAL (durable against
  // process crashes), foreign keys on and a busy timeout for writers on other
  // threads. Throws SqliteError.
  static std::unique_ptr<Database> open(const std::filesystem::path& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results. Throws SqliteError.
  void exec(std::string_view sql);
  // Compiles the first statement of `sql`; `tail`, when given, receives the
  // unparsed rest. Throws SqliteError.
  Statement prepare(std::string_view sql, std::string_view* tail = nullptr);

  int64_t changes() const;
  int64_t lastInsertRowid() const;
  int64_t totalChanges() const;
  // Size of the database in bytes (page_count * page_size).
  int64_t sizeBytes();
  sqlite3* handle() const { return db_; }

  // BEGIN IMMEDIATE now; ROLLBACK in the destructor unless commit() ran.
  class Transaction {
   public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

   private:
    Database& db_;
    bool done_ = false;
  };

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A prepared statement. Bind indexes are 1-based, as in SQLite.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& bindNull(int index);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bindText(int index, std::string_view value);
  Statement& bindBlob(int index, std::string_view value);
  int parameterCount() const;

  // Advances; true when a row is available. Throws SqliteError.
  bool step();
  void reset();  // also clears bindings

  int columnCount() const;
  std::string columnName(int i) const;
  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  int columnType(int i) const;
  int64_t columnInt(int i) const;
  double columnDouble(int i) const;
  std::string columnText(int i) const;  // also for BLOB columns: the bytes
  std::optional<std::string> columnTextOrNull(int i) const;
  bool readonly() const;
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace verge::storage
