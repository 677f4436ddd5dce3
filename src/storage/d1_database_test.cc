#include "storage/d1_database.h"
#include "storage/test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "storage/sqlite.h"

namespace verge::storage {
namespace {

using test::TempDir;

template <typename Fn>
std::string d1ErrorOf(Fn&& fn) {
  try {
    fn();
  } catch (const D1Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a D1Error";
  return "";
}

bool startsWith(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

std::string readAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void writeFile(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class D1Test : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return dir_.path() / "db.sqlite"; }
  D1Result q(std::string sql, std::vector<D1Value> params = {}) {
    return db_->query(D1Query{std::move(sql), std::move(params)});
  }

  TempDir dir_;
  std::unique_ptr<D1Database> db_ = std::make_unique<D1Database>(file());
};

TEST_F(D1Test, InsertAndSelectWithMeta) {
  D1Result created = q("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
  EXPECT_TRUE(created.meta.changed_db);
  EXPECT_EQ(created.meta.changes, 0);

  D1Result inserted =
      q("INSERT INTO users (name) VALUES (?), (?)", {std::string("ann"), std::string("bob")});
  EXPECT_TRUE(inserted.columns.empty());
  EXPECT_TRUE(inserted.rows.empty());
  EXPECT_EQ(inserted.meta.changes, 2);
  EXPECT_EQ(inserted.meta.rows_written, 2);
  EXPECT_EQ(inserted.meta.last_row_id, 2);
  EXPECT_TRUE(inserted.meta.changed_db);
  EXPECT_GE(inserted.meta.duration_ms, 0);

  D1Result selected = q("SELECT id, name FROM users ORDER BY id");
  EXPECT_EQ(selected.columns, (std::vector<std::string>{"id", "name"}));
  ASSERT_EQ(selected.rows.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(selected.rows[0][0]), 1);
  EXPECT_EQ(std::get<std::string>(selected.rows[0][1]), "ann");
  EXPECT_EQ(std::get<std::string>(selected.rows[1][1]), "bob");
  EXPECT_FALSE(selected.meta.changed_db);
  EXPECT_EQ(selected.meta.changes, 0);  // not the INSERT's 2, which sqlite3_changes would repeat
  EXPECT_EQ(selected.meta.rows_written, 0);
  EXPECT_EQ(selected.meta.rows_read, 2);
}

// Statements are cached between queries: a rerun must bind afresh, count
// its own rows only, and see the size a write in between produced.
TEST_F(D1Test, RepeatedQueriesStartFromAClearStatement) {
  q("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  for (int i = 0; i < 50; ++i) q("INSERT INTO t (v) VALUES (?)", {std::string(200, 'x')});
  const std::string scan = "SELECT COUNT(*) AS n FROM t WHERE v LIKE ?";
  D1Result first = q(scan, {std::string("x%")});
  D1Result second = q(scan, {std::string("x%")});
  EXPECT_EQ(first.meta.rows_read, 50);
  EXPECT_EQ(second.meta.rows_read, 50);
  EXPECT_EQ(std::get<int64_t>(q(scan, {std::string("y%")}).rows[0][0]), 0);
  // A failed run (wrong parameter count) leaves the cached statement usable.
  EXPECT_THROW(q(scan), D1Error);
  EXPECT_EQ(std::get<int64_t>(q(scan, {std::string("x%")}).rows[0][0]), 50);
  int64_t before = q("SELECT 1").meta.size_after;
  for (int i = 0; i < 200; ++i) q("INSERT INTO t (v) VALUES (?)", {std::string(400, 'y')});
  EXPECT_GT(q("SELECT 1").meta.size_after, before);
  // A schema change under a cached statement recompiles it.
  q("DROP TABLE t");
  EXPECT_THROW(q(scan, {std::string("x%")}), D1Error);
}

TEST_F(D1Test, ValuesMapToD1TypesBothWays) {
  q("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)");
  const int64_t big = std::numeric_limits<int64_t>::max();
  const int64_t small = std::numeric_limits<int64_t>::min();
  std::string blob("\x00\x01\xff", 3);
  q("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
    {big, 2.5, std::string("h\xc3\xa9llo"), D1Blob{blob}, std::monostate{}});
  q("INSERT INTO t VALUES (?, ?, ?, ?, ?)",
    {small, -0.125, std::string(), D1Blob{""}, std::monostate{}});

  D1Result r = q("SELECT i, r, s, b, n, typeof(s), typeof(b) FROM t ORDER BY rowid");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(r.rows[0][0]), big);
  EXPECT_EQ(std::get<double>(r.rows[0][1]), 2.5);
  EXPECT_EQ(std::get<std::string>(r.rows[0][2]), "h\xc3\xa9llo");
  EXPECT_EQ(std::get<D1Blob>(r.rows[0][3]).bytes, blob);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r.rows[0][4]));
  EXPECT_EQ(std::get<std::string>(r.rows[0][5]), "text");
  EXPECT_EQ(std::get<std::string>(r.rows[0][6]), "blob");

  EXPECT_EQ(std::get<int64_t>(r.rows[1][0]), small);
  EXPECT_EQ(std::get<double>(r.rows[1][1]), -0.125);
  // Empty text and empty blob stay text and blob, not NULL.
  EXPECT_EQ(std::get<std::string>(r.rows[1][2]), "");
  EXPECT_EQ(std::get<D1Blob>(r.rows[1][3]).bytes, "");
  EXPECT_EQ(std::get<std::string>(r.rows[1][5]), "text");
  EXPECT_EQ(std::get<std::string>(r.rows[1][6]), "blob");

  // Expressions: their runtime type decides.
  D1Result e = q("SELECT 1, 1.0, 'x', x'00', NULL, 9007199254740993");
  EXPECT_TRUE(std::holds_alternative<int64_t>(e.rows[0][0]));
  EXPECT_TRUE(std::holds_alternative<double>(e.rows[0][1]));
  EXPECT_TRUE(std::holds_alternative<std::string>(e.rows[0][2]));
  EXPECT_TRUE(std::holds_alternative<D1Blob>(e.rows[0][3]));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(e.rows[0][4]));
  // Beyond 2^53 stays exact (the binding must not squeeze it through a double).
  EXPECT_EQ(std::get<int64_t>(e.rows[0][5]), 9007199254740993);
}

TEST_F(D1Test, NumberedParametersBindBy1BasedIndex) {
  D1Result r = q("SELECT ?2, ?1, ?2", {std::string("a"), std::string("b")});
  EXPECT_EQ(std::get<std::string>(r.rows[0][0]), "b");
  EXPECT_EQ(std::get<std::string>(r.rows[0][1]), "a");
  EXPECT_EQ(std::get<std::string>(r.rows[0][2]), "b");

  r = q("SELECT ?1 + ?1", {int64_t{21}});  // one value for a repeated ?1
  EXPECT_EQ(std::get<int64_t>(r.rows[0][0]), 42);

  // Anonymous ? after ?NNN continues from the highest index so far.
  r = q("SELECT ?2, ?", {int64_t{1}, int64_t{2}, int64_t{3}});
  EXPECT_EQ(std::get<int64_t>(r.rows[0][0]), 2);
  EXPECT_EQ(std::get<int64_t>(r.rows[0][1]), 3);
}

TEST_F(D1Test, WrongParameterCountNamesExpectedAndGiven) {
  q("CREATE TABLE t (a, b)");
  EXPECT_EQ(d1ErrorOf([&] { q("INSERT INTO t VALUES (?, ?)", {int64_t{1}}); }),
            "D1_ERROR: Wrong number of parameter bindings for SQL query (expected 2, given 1): "
            "SQLITE_RANGE");
  EXPECT_EQ(d1ErrorOf([&] { q("SELECT 1", {int64_t{1}}); }),
            "D1_ERROR: Wrong number of parameter bindings for SQL query (expected 0, given 1): "
            "SQLITE_RANGE");
  EXPECT_EQ(d1ErrorOf([&] { q("SELECT ?3", {int64_t{1}}); }),
            "D1_ERROR: Wrong number of parameter bindings for SQL query (expected 3, given 1): "
            "SQLITE_RANGE");
  EXPECT_TRUE(q("SELECT * FROM t").rows.empty());
}

TEST_F(D1Test, NamedParametersAreRefused) {
  std::string message = d1ErrorOf([&] { q("SELECT :name", {int64_t{1}}); });
  EXPECT_TRUE(startsWith(message, "D1_ERROR: Named parameters such as :name")) << message;
  EXPECT_TRUE(contains(message, "SQLITE_RANGE")) << message;
}

TEST_F(D1Test, OneStatementPerQuery) {
  EXPECT_EQ(d1ErrorOf([&] { q("SELECT 1; SELECT 2"); }),
            "D1_ERROR: A prepared SQL statement must contain only one statement: SQLITE_ERROR");
  // Trailing separators and comments are not a second statement.
  EXPECT_EQ(q("SELECT 1;").rows.size(), 1u);
  EXPECT_EQ(q("SELECT 1 ; ;\n -- done\n /* really */ ").rows.size(), 1u);
  EXPECT_EQ(q("-- leading comment\nSELECT 1 -- trailing").rows.size(), 1u);
  EXPECT_EQ(d1ErrorOf([&] { q(""); }), "D1_ERROR: No SQL statements detected: SQLITE_MISUSE");
  EXPECT_EQ(d1ErrorOf([&] { q("  -- nothing\n"); }),
            "D1_ERROR: No SQL statements detected: SQLITE_MISUSE");
}

TEST_F(D1Test, SqliteErrorsUseD1Format) {
  EXPECT_EQ(d1ErrorOf([&] { q("SELECT * FROM nope"); }),
            "D1_ERROR: no such table: nope: SQLITE_ERROR");
  EXPECT_EQ(d1ErrorOf([&] { q("SELEC 1"); }),
            "D1_ERROR: near \"SELEC\": syntax error: SQLITE_ERROR");
  q("CREATE TABLE u (email TEXT UNIQUE, n INTEGER NOT NULL)");
  q("INSERT INTO u VALUES ('a@x', 1)");
  EXPECT_EQ(d1ErrorOf([&] { q("INSERT INTO u VALUES ('a@x', 2)"); }),
            "D1_ERROR: UNIQUE constraint failed: u.email: SQLITE_CONSTRAINT");
  EXPECT_EQ(d1ErrorOf([&] { q("INSERT INTO u VALUES ('b@x', NULL)"); }),
            "D1_ERROR: NOT NULL constraint failed: u.n: SQLITE_CONSTRAINT");
}

TEST_F(D1Test, ForeignKeysAreEnforced) {
  q("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
  q("CREATE TABLE child (pid INTEGER REFERENCES parent(id))");
  EXPECT_EQ(d1ErrorOf([&] { q("INSERT INTO child VALUES (7)"); }),
            "D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT");
}

TEST_F(D1Test, RowsReadCountsScannedRowsAndRowsWrittenCountsChanges) {
  q("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  std::vector<D1Query> inserts;
  for (int i = 0; i < 100; ++i) {
    inserts.push_back(D1Query{"INSERT INTO t (v) VALUES (?)", {std::string(i == 42 ? "x" : "y")}});
  }
  db_->batch(inserts);

  // A full scan that returns one row still read every row.
  D1Result scan = q("SELECT id FROM t WHERE v = 'x'");
  ASSERT_EQ(scan.rows.size(), 1u);
  EXPECT_EQ(scan.meta.rows_read, 100);

  // A primary-key lookup reads one row.
  D1Result lookup = q("SELECT v FROM t WHERE id = 5");
  EXPECT_EQ(lookup.meta.rows_read, 1);

  D1Result update = q("UPDATE t SET v = 'z' WHERE id = 5");
  EXPECT_EQ(update.meta.rows_written, 1);
  EXPECT_EQ(update.meta.changes, 1);
  EXPECT_EQ(update.meta.rows_read, 1);

  D1Result update_all = q("UPDATE t SET v = 'w' WHERE v = 'y'");
  EXPECT_EQ(update_all.meta.rows_written, 98);
  EXPECT_EQ(update_all.meta.rows_read, 100);

  // Every row returned counts once, not once returned and once scanned.
  EXPECT_EQ(q("SELECT * FROM t").meta.rows_read, 100);
  // An empty table reads nothing.
  q("CREATE TABLE empty (x)");
  EXPECT_EQ(q("SELECT * FROM empty").meta.rows_read, 0);
}

TEST_F(D1Test, SizeAfterIsPageCountTimesPageSize) {
  q("CREATE TABLE t (b BLOB)");
  D1Result small = q("SELECT 1");
  q("INSERT INTO t VALUES (zeroblob(200000))");
  D1Result after = q("SELECT 1");
  Statement count = db_->database().prepare("PRAGMA page_count");
  Statement size = db_->database().prepare("PRAGMA page_size");
  ASSERT_TRUE(count.step());
  ASSERT_TRUE(size.step());
  EXPECT_EQ(after.meta.size_after, count.columnInt(0) * size.columnInt(0));
  EXPECT_GT(after.meta.size_after, small.meta.size_after + 190000);
}

TEST_F(D1Test, BatchCommitsAllTogether) {
  q("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  std::vector<D1Result> results = db_->batch({
      D1Query{"INSERT INTO t (v) VALUES (?)", {std::string("a")}},
      D1Query{"INSERT INTO t (v) VALUES (?)", {std::string("b")}},
      D1Query{"SELECT count(*) AS n FROM t", {}},
  });
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].meta.last_row_id, 1);
  EXPECT_EQ(results[1].meta.last_row_id, 2);
  EXPECT_EQ(results[2].columns, std::vector<std::string>{"n"});
  EXPECT_EQ(std::get<int64_t>(results[2].rows[0][0]), 2);
}

TEST_F(D1Test, BatchRollsBackEverythingWhenOneStatementFails) {
  q("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  q("INSERT INTO t (v) VALUES ('before')");
  std::string message = d1ErrorOf([&] {
    db_->batch({
        D1Query{"INSERT INTO t (v) VALUES ('one')", {}},
        D1Query{"INSERT INTO t (v) VALUES (NULL)", {}},
        D1Query{"INSERT INTO t (v) VALUES ('three')", {}},
    });
  });
  EXPECT_EQ(message,
            "D1_ERROR: NOT NULL constraint failed: t.v: SQLITE_CONSTRAINT (batch statement 2 of 3; "
            "the batch was rolled back)");
  D1Result rows = q("SELECT v FROM t");
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows.rows[0][0]), "before");

  // Our own errors (here a parameter count) also roll back, and name the statement.
  message = d1ErrorOf([&] {
    db_->batch({D1Query{"INSERT INTO t (v) VALUES ('one')", {}}, D1Query{"SELECT ?", {}}});
  });
  EXPECT_TRUE(contains(message, "(batch statement 2 of 2; the batch was rolled back)")) << message;
  EXPECT_EQ(q("SELECT v FROM t").rows.size(), 1u);

  // The connection is usable afterwards: no transaction was left open.
  q("INSERT INTO t (v) VALUES ('after')");
  EXPECT_EQ(q("SELECT v FROM t").rows.size(), 2u);
  EXPECT_TRUE(db_->batch({}).empty());
}

TEST_F(D1Test, ExecRunsEveryStatement) {
  D1ExecResult result = db_->exec(
      "CREATE TABLE t (v);\n"
      "INSERT INTO t VALUES (1); INSERT INTO t VALUES ('two;');\n"
      "-- a comment; with a semicolon\n"
      "/* block; */ INSERT INTO t VALUES (3);;\n");
  EXPECT_EQ(result.count, 4);
  EXPECT_GE(result.duration_ms, 0);
  EXPECT_EQ(q("SELECT * FROM t").rows.size(), 3u);
  EXPECT_EQ(db_->exec("").count, 0);
  EXPECT_EQ(db_->exec("  -- only a comment").count, 0);
}

TEST_F(D1Test, ExecErrorNamesLineAndStatementAndKeepsEarlierStatements) {
  std::string message = d1ErrorOf([&] {
    db_->exec(
        "CREATE TABLE t (v);\n"
        "INSERT INTO t VALUES (1);\n"
        "INSERT INTO nope VALUES (2);\n"
        "INSERT INTO t VALUES (3);");
  });
  EXPECT_EQ(message,
            "D1_EXEC_ERROR: Error in line 3: INSERT INTO nope VALUES (2): no such table: nope: "
            "SQLITE_ERROR");
  // exec() is not a transaction: what ran before the failure stays.
  EXPECT_EQ(q("SELECT * FROM t").rows.size(), 1u);

  message = d1ErrorOf([&] { db_->exec("SELECT 1;\n\n  INSERTZ INTO t VALUES (1);"); });
  EXPECT_EQ(message,
            "D1_EXEC_ERROR: Error in line 3: INSERTZ INTO t VALUES (1): near \"INSERTZ\": syntax "
            "error: SQLITE_ERROR");

  q("CREATE TABLE u (x UNIQUE)");
  message = d1ErrorOf([&] { db_->exec("INSERT INTO u VALUES (1); INSERT INTO u VALUES (1)"); });
  EXPECT_EQ(message,
            "D1_EXEC_ERROR: Error in line 1: INSERT INTO u VALUES (1): UNIQUE constraint failed: "
            "u.x: SQLITE_CONSTRAINT");
}

TEST_F(D1Test, UserSqlCannotReachOtherFilesOrTransactions) {
  std::string other = (dir_.path() / "other.sqlite").string();
  EXPECT_EQ(d1ErrorOf([&] { q("ATTACH DATABASE '" + other + "' AS o"); }),
            "D1_ERROR: not authorized: SQLITE_AUTH");
  EXPECT_FALSE(std::filesystem::exists(other));
  EXPECT_TRUE(startsWith(d1ErrorOf([&] { q("VACUUM INTO '" + other + "'"); }), "D1_ERROR: "));
  EXPECT_FALSE(std::filesystem::exists(other));

  EXPECT_EQ(d1ErrorOf([&] { q("BEGIN"); }), "D1_ERROR: not authorized: SQLITE_AUTH");
  EXPECT_EQ(d1ErrorOf([&] { q("COMMIT"); }), "D1_ERROR: not authorized: SQLITE_AUTH");
  EXPECT_EQ(d1ErrorOf([&] { q("SAVEPOINT s"); }), "D1_ERROR: not authorized: SQLITE_AUTH");
  EXPECT_TRUE(startsWith(d1ErrorOf([&] { db_->exec("CREATE TABLE x (a); BEGIN;"); }),
                         "D1_EXEC_ERROR: Error in line 1: BEGIN: not authorized"));
  // A COMMIT inside a batch cannot split the batch.
  q("CREATE TABLE t (v NOT NULL)");
  EXPECT_THROW(db_->batch({D1Query{"INSERT INTO t VALUES (1)", {}}, D1Query{"COMMIT", {}}}),
               D1Error);
  EXPECT_TRUE(q("SELECT * FROM t").rows.empty());

  EXPECT_EQ(d1ErrorOf([&] { q("PRAGMA journal_mode = DELETE"); }),
            "D1_ERROR: not authorized: SQLITE_AUTH");
  EXPECT_EQ(d1ErrorOf([&] { q("PRAGMA writable_schema = 1"); }),
            "D1_ERROR: not authorized: SQLITE_AUTH");
  EXPECT_EQ(d1ErrorOf([&] { q("PRAGMA page_size = 512"); }),
            "D1_ERROR: not authorized: SQLITE_AUTH");
  // What D1 allows.
  EXPECT_EQ(q("PRAGMA table_info(t)").rows.size(), 1u);
  EXPECT_EQ(q("PRAGMA table_list").columns[1], "name");
  EXPECT_NO_THROW(q("PRAGMA foreign_keys = OFF"));
  EXPECT_NO_THROW(q("PRAGMA foreign_keys = ON"));
  EXPECT_NO_THROW(q("PRAGMA defer_foreign_keys = true"));
  EXPECT_NO_THROW(q("PRAGMA page_count"));
  // The table-valued forms follow the same list (database_list would show
  // the server's file paths).
  EXPECT_EQ(d1ErrorOf([&] { q("SELECT * FROM pragma_database_list"); }),
            "D1_ERROR: access to pragma_database_list.seq is prohibited: SQLITE_AUTH");
  EXPECT_EQ(q("SELECT name FROM pragma_table_info('t')").rows.size(), 1u);
}

TEST_F(D1Test, CommittedWritesSurviveReopening) {
  q("CREATE TABLE t (v)");
  q("INSERT INTO t VALUES ('query')");
  db_->batch({D1Query{"INSERT INTO t VALUES ('batch')", {}}});
  db_->exec("INSERT INTO t VALUES ('exec')");
  EXPECT_THROW(db_->batch({D1Query{"INSERT INTO t VALUES ('rolled back')", {}},
                           D1Query{"SELECT * FROM nope", {}}}),
               D1Error);
  db_.reset();

  D1Database reopened(file());
  D1Result r = reopened.query(D1Query{"SELECT v FROM t ORDER BY rowid", {}});
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(std::get<std::string>(r.rows[0][0]), "query");
  EXPECT_EQ(std::get<std::string>(r.rows[1][0]), "batch");
  EXPECT_EQ(std::get<std::string>(r.rows[2][0]), "exec");
}

TEST(D1OpenTest, UnopenableFileIsAD1Error) {
  TempDir dir;
  std::string message = d1ErrorOf([&] { D1Database db(dir.path()); });  // a directory
  EXPECT_TRUE(startsWith(message, "D1_ERROR: ")) << message;
  EXPECT_TRUE(contains(message, "SQLITE_CANTOPEN")) << message;
}

// ---- migrations ----

class D1MigrationsTest : public D1Test {
 protected:
  std::filesystem::path migrations() const { return dir_.path() / "migrations"; }
};

TEST_F(D1MigrationsTest, CreateNumbersFilesLikeWrangler) {
  std::filesystem::path first = createMigration(migrations(), "create users");
  EXPECT_EQ(first.filename(), "0000_create_users.sql");
  EXPECT_TRUE(std::filesystem::is_regular_file(first));
  std::string header = readAll(first);
  EXPECT_TRUE(startsWith(header, "-- Migration number: 0000 \t ")) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_TRUE(contains(header, "Z\n")) << header;  // an ISO-8601 UTC timestamp

  EXPECT_EQ(createMigration(migrations(), "add email").filename(), "0001_add_email.sql");
  // One more than the highest number present, whatever the gaps.
  writeFile(migrations() / "0041_by_hand.sql", "SELECT 1;");
  EXPECT_EQ(createMigration(migrations(), "next").filename(), "0042_next.sql");
  // A description cannot point outside the folder.
  EXPECT_EQ(createMigration(migrations(), "../../etc/x").filename(), "0043_.._.._etc_x.sql");
  EXPECT_THROW(createMigration(migrations(), "   "), D1Error);
}

TEST_F(D1MigrationsTest, ListApplyAndApplyAgain) {
  writeFile(migrations().parent_path() / "unused.sql", "");
  std::filesystem::create_directories(migrations());
  writeFile(migrations() / "0001_users.sql",
            "-- Migration number: 0001\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
  writeFile(migrations() / "0002_email.sql",
            "ALTER TABLE users ADD COLUMN email TEXT;\nINSERT INTO users (name) VALUES ('root');");
  writeFile(migrations() / "0010_later.sql", "CREATE INDEX users_by_email ON users (email);");
  writeFile(migrations() / "README.md", "not a migration");

  std::vector<D1Migration> listed = listMigrations(*db_, migrations());
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].name, "0001_users.sql");
  EXPECT_EQ(listed[1].name, "0002_email.sql");
  EXPECT_EQ(listed[2].name, "0010_later.sql");
  for (const D1Migration& m : listed) EXPECT_FALSE(m.applied) << m.name;

  EXPECT_EQ(applyMigrations(*db_, migrations()),
            (std::vector<std::string>{"0001_users.sql", "0002_email.sql", "0010_later.sql"}));
  for (const D1Migration& m : listMigrations(*db_, migrations())) EXPECT_TRUE(m.applied) << m.name;
  EXPECT_EQ(std::get<std::string>(q("SELECT email IS NULL, name FROM users").rows[0][1]), "root");

  // Applying again does nothing.
  EXPECT_TRUE(applyMigrations(*db_, migrations()).empty());
  EXPECT_EQ(q("SELECT * FROM users").rows.size(), 1u);

  // The table wrangler keeps.
  D1Result recorded = q("SELECT id, name, applied_at FROM d1_migrations ORDER BY id");
  ASSERT_EQ(recorded.rows.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(recorded.rows[0][0]), 1);
  EXPECT_EQ(std::get<std::string>(recorded.rows[2][1]), "0010_later.sql");
  EXPECT_TRUE(std::holds_alternative<std::string>(recorded.rows[0][2]));  // CURRENT_TIMESTAMP

  // A new file is picked up, and survives reopening as applied.
  writeFile(migrations() / "0011_more.sql", "CREATE TABLE more (x);");
  EXPECT_EQ(applyMigrations(*db_, migrations()), std::vector<std::string>{"0011_more.sql"});
  db_ = std::make_unique<D1Database>(file());
  EXPECT_TRUE(applyMigrations(*db_, migrations()).empty());
  EXPECT_EQ(listMigrations(*db_, migrations()).size(), 4u);
}

TEST_F(D1MigrationsTest, FailedMigrationRollsBackAndStopsThere) {
  std::filesystem::create_directories(migrations());
  writeFile(migrations() / "0001_ok.sql", "CREATE TABLE a (x);");
  writeFile(migrations() / "0002_bad.sql",
            "CREATE TABLE b (x);\nINSERT INTO b VALUES (1);\nINSERT INTO missing VALUES (1);\n");
  writeFile(migrations() / "0003_never.sql", "CREATE TABLE c (x);");

  std::string message = d1ErrorOf([&] { applyMigrations(*db_, migrations()); });
  EXPECT_EQ(message,
            "D1_ERROR: Migration 0002_bad.sql failed: Error in line 3: INSERT INTO missing VALUES "
            "(1): no such table: missing: SQLITE_ERROR");

  std::vector<D1Migration> listed = listMigrations(*db_, migrations());
  EXPECT_TRUE(listed[0].applied);
  EXPECT_FALSE(listed[1].applied);
  EXPECT_FALSE(listed[2].applied);
  // 0002's first statements were rolled back with it.
  EXPECT_EQ(d1ErrorOf([&] { q("SELECT * FROM b"); }), "D1_ERROR: no such table: b: SQLITE_ERROR");

  // Fixed, it applies along with the rest.
  writeFile(migrations() / "0002_bad.sql", "CREATE TABLE b (x);");
  EXPECT_EQ(applyMigrations(*db_, migrations()),
            (std::vector<std::string>{"0002_bad.sql", "0003_never.sql"}));
}

TEST_F(D1MigrationsTest, MigrationsCannotOpenTheirOwnTransaction) {
  std::filesystem::create_directories(migrations());
  writeFile(migrations() / "0001_tx.sql", "BEGIN TRANSACTION;\nCREATE TABLE a (x);\nCOMMIT;");
  std::string message = d1ErrorOf([&] { applyMigrations(*db_, migrations()); });
  EXPECT_TRUE(startsWith(message,
                         "D1_ERROR: Migration 0001_tx.sql failed: Error in line 1: "
                         "BEGIN TRANSACTION: not authorized"))
      << message;
  EXPECT_FALSE(listMigrations(*db_, migrations())[0].applied);
}

TEST_F(D1MigrationsTest, MissingFolderIsAD1Error) {
  std::string message = d1ErrorOf([&] { listMigrations(*db_, migrations()); });
  EXPECT_TRUE(startsWith(message, "D1_ERROR: No migrations present at ")) << message;
  EXPECT_THROW(applyMigrations(*db_, migrations()), D1Error);
}

}  // namespace
}  // namespace verge::storage
