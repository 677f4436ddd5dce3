#include "storage/sqlite.h"
#include "storage/test_util.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <fstream>
#include <string>

namespace verge::storage {
namespace {

using test::TempDir;

class SqliteTest : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return dir_.path() / "sub" / "dir" / "test.sqlite"; }
  TempDir dir_;
};

std::string pragma(Database& db, std::string_view name) {
  Statement stmt = db.prepare(std::string("PRAGMA ") + std::string(name));
  EXPECT_TRUE(stmt.step());
  return stmt.columnText(0);
}

TEST_F(SqliteTest, OpenCreatesDirectoriesAndUsesWal) {
  auto db = Database::open(file());
  EXPECT_TRUE(std::filesystem::exists(file()));
  EXPECT_EQ(pragma(*db, "journal_mode"), "wal");
  EXPECT_EQ(pragma(*db, "synchronous"), "1");  // NORMAL
  EXPECT_EQ(pragma(*db, "foreign_keys"), "1");
}

TEST_F(SqliteTest, OpenFailuresAreSqliteErrors) {
  // A directory is not a database file.
  EXPECT_THROW(Database::open(dir_.path()), SqliteError);
  // A parent "directory" that is a file cannot be created.
  std::ofstream(dir_.path() / "plain").put('x');
  try {
    Database::open(dir_.path() / "plain" / "db.sqlite");
    ADD_FAILURE() << "expected SqliteError";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.code(), SQLITE_CANTOPEN);
  }
}

TEST_F(SqliteTest, BindStepAndReadEveryType) {
  auto db = Database::open(file());
  db->exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)");
  Statement insert = db->prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)");
  EXPECT_EQ(insert.parameterCount(), 5);
  std::string blob("\0\x01\xff", 3);
  insert.bind(1, int64_t{-42}).bind(2, 1.5).bindText(3, "text").bindBlob(4, blob).bindNull(5);
  EXPECT_FALSE(insert.step());
  EXPECT_FALSE(insert.readonly());

  Statement select = db->prepare("SELECT i, r, s, b, n FROM t");
  EXPECT_TRUE(select.readonly());
  EXPECT_EQ(select.columnCount(), 5);
  EXPECT_EQ(select.columnName(2), "s");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.columnType(0), SQLITE_INTEGER);
  EXPECT_EQ(select.columnInt(0), -42);
  EXPECT_EQ(select.columnType(1), SQLITE_FLOAT);
  EXPECT_EQ(select.columnDouble(1), 1.5);
  EXPECT_EQ(select.columnType(2), SQLITE_TEXT);
  EXPECT_EQ(select.columnText(2), "text");
  EXPECT_EQ(select.columnType(3), SQLITE_BLOB);
  EXPECT_EQ(select.columnText(3), blob);
  EXPECT_EQ(select.columnType(4), SQLITE_NULL);
  EXPECT_FALSE(select.columnTextOrNull(4));
  EXPECT_EQ(select.columnTextOrNull(2), "text");
  EXPECT_FALSE(select.step());
}

TEST_F(SqliteTest, EmptyStringViewsBindAsEmptyNotNull) {
  auto db = Database::open(file());
  Statement stmt = db->prepare("SELECT typeof(?1), typeof(?2), length(?1), length(?2)");
  stmt.bindText(1, std::string_view()).bindBlob(2, std::string_view());
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.columnText(0), "text");
  EXPECT_EQ(stmt.columnText(1), "blob");
  EXPECT_EQ(stmt.columnInt(2), 0);
  EXPECT_EQ(stmt.columnInt(3), 0);
}

TEST_F(SqliteTest, ResetClearsBindingsForReuse) {
  auto db = Database::open(file());
  Statement stmt = db->prepare("SELECT ?1");
  stmt.bind(1, int64_t{7});
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.columnInt(0), 7);
  stmt.reset();
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.columnType(0), SQLITE_NULL);
}

TEST_F(SqliteTest, PrepareReportsTheTail) {
  auto db = Database::open(file());
  std::string_view tail;
  Statement first = db->prepare("SELECT 1; SELECT 2", &tail);
  EXPECT_EQ(tail, " SELECT 2");
  Statement last = db->prepare(tail, &tail);
  EXPECT_EQ(tail, "");
  ASSERT_TRUE(last.step());
  EXPECT_EQ(last.columnInt(0), 2);
}

TEST_F(SqliteTest, EmptySqlCompilesToNothing) {
  auto db = Database::open(file());
  for (std::string_view sql :
       {std::string_view(), std::string_view(""), std::string_view(" -- c")}) {
    std::string_view tail = "unchanged";
    Statement stmt = db->prepare(sql, &tail);
    EXPECT_EQ(stmt.handle(), nullptr);
    EXPECT_EQ(tail, "");
    EXPECT_FALSE(stmt.step());
    EXPECT_EQ(stmt.columnCount(), 0);
  }
}

TEST_F(SqliteTest, ErrorsCarrySqliteMessageAndCode) {
  auto db = Database::open(file());
  try {
    db->prepare("SELECT * FROM missing");
    ADD_FAILURE();
  } catch (const SqliteError& e) {
    EXPECT_STREQ(e.what(), "no such table: missing");
    EXPECT_EQ(e.code(), SQLITE_ERROR);
  }
  db->exec("CREATE TABLE t (x UNIQUE)");
  db->exec("INSERT INTO t VALUES (1)");
  Statement dup = db->prepare("INSERT INTO t VALUES (1)");
  try {
    dup.step();
    ADD_FAILURE();
  } catch (const SqliteError& e) {
    EXPECT_STREQ(e.what(), "UNIQUE constraint failed: t.x");
    EXPECT_EQ(e.code(), SQLITE_CONSTRAINT_UNIQUE);  // the extended code
  }
  EXPECT_THROW(db->exec("NOT SQL"), SqliteError);
  Statement one = db->prepare("SELECT ?1");
  EXPECT_THROW(one.bind(2, int64_t{1}), SqliteError);
}

TEST_F(SqliteTest, ChangesRowidAndTotals) {
  auto db = Database::open(file());
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v)");
  db->exec("INSERT INTO t (v) VALUES (1), (2), (3)");
  EXPECT_EQ(db->changes(), 3);
  EXPECT_EQ(db->lastInsertRowid(), 3);
  db->exec("UPDATE t SET v = 0 WHERE id < 3");
  EXPECT_EQ(db->changes(), 2);
  EXPECT_EQ(db->totalChanges(), 5);
}

TEST_F(SqliteTest, SizeBytesIsPageCountTimesPageSize) {
  auto db = Database::open(file());
  db->exec("CREATE TABLE t (b BLOB); INSERT INTO t VALUES (zeroblob(100000))");
  int64_t expected = std::stoll(pragma(*db, "page_count")) * std::stoll(pragma(*db, "page_size"));
  EXPECT_EQ(db->sizeBytes(), expected);
  EXPECT_GT(db->sizeBytes(), 100000);
}

TEST_F(SqliteTest, TransactionCommitsOrRollsBack) {
  auto db = Database::open(file());
  db->exec("CREATE TABLE t (v)");
  {
    Database::Transaction tx(*db);
    db->exec("INSERT INTO t VALUES ('kept')");
    tx.commit();
  }
  {
    Database::Transaction tx(*db);
    db->exec("INSERT INTO t VALUES ('dropped')");
  }
  try {
    Database::Transaction tx(*db);
    db->exec("INSERT INTO t VALUES ('dropped too')");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  Statement count = db->prepare("SELECT group_concat(v) FROM t");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.columnText(0), "kept");
  // No transaction is left open.
  EXPECT_NE(sqlite3_get_autocommit(db->handle()), 0);
}

TEST_F(SqliteTest, CommittedWritesSurviveReopeningUncommittedDoNot) {
  {
    auto db = Database::open(file());
    db->exec("CREATE TABLE t (v); INSERT INTO t VALUES ('committed')");
    Database::Transaction tx(*db);
    db->exec("INSERT INTO t VALUES ('in flight')");
    // Closed without commit.
  }
  auto db = Database::open(file());
  Statement all = db->prepare("SELECT group_concat(v) FROM t");
  ASSERT_TRUE(all.step());
  EXPECT_EQ(all.columnText(0), "committed");
}

TEST_F(SqliteTest, ReaderDoesNotBlockWriterUnderWal) {
  auto writer = Database::open(file());
  auto reader = Database::open(file());
  writer->exec("CREATE TABLE t (v); INSERT INTO t VALUES (1), (2)");
  Statement read = reader->prepare("SELECT v FROM t");
  ASSERT_TRUE(read.step());                  // a read transaction is now open
  writer->exec("INSERT INTO t VALUES (3)");  // would be SQLITE_BUSY without WAL
  int rows = 1;
  while (read.step()) ++rows;
  EXPECT_EQ(rows, 2);  // the reader's snapshot predates the insert
  Statement again = reader->prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(again.step());
  EXPECT_EQ(again.columnInt(0), 3);
}

TEST_F(SqliteTest, StatementsMove) {
  auto db = Database::open(file());
  Statement a = db->prepare("SELECT 1");
  Statement b = std::move(a);
  EXPECT_EQ(a.handle(), nullptr);
  ASSERT_TRUE(b.step());
  Statement c = db->prepare("SELECT 2");
  c = std::move(b);
  EXPECT_EQ(c.columnInt(0), 1);
}

}  // namespace
}  // namespace verge::storage
