#pragma once
// A thin RAII layer over the SQLite C API for SqliteStore: a connection, cached prepared
// statements and transactions. A failing call throws sqlite_db::Failure, which SqliteStore
// catches at each Store member and turns into an Error value (the errors of the backend are
// translated here, inside store/, never beyond it). Not thread-safe: SqliteStore holds its
// mutex around every use.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "pmx/core/error.h"

namespace pmx::sqlite_db {

/// A call that failed: the message names the database file and, for a statement, its SQL.
/// `corrupt` when what is stored cannot be read as what we wrote (SQLITE_CORRUPT/NOTADB, or a
/// document that does not decode): ErrorCode::kCorrupt; otherwise kUnavailable.
class Failure : public std::runtime_error {
 public:
  Failure(const std::string& message, bool corrupt)
      : std::runtime_error(message), corrupt_(corrupt) {}
  bool corrupt() const { return corrupt_; }

 private:
  bool corrupt_;
};

class Db;

/// A prepared statement. Bind parameters are 1-based, columns 0-based, as in SQLite.
class Statement {
 public:
  Statement(Db& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, const std::string& value);
  Statement& bind_null(int index);
  /// Next row: true when there is one, false when done.
  bool step();
  /// Runs a statement that returns no rows (or whose rows are not wanted).
  void run();
  /// Back to the start with every parameter unbound; done by Db::query before each use.
  void reset();

  bool is_null(int column) const;
  std::int64_t integer(int column) const;
  std::string text(int column) const;

 private:
  Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
  const char* sql_;
};

/// One connection to the database file at `path`.
class Db {
 public:
  /// Opens (creating it if needed) the file; throws Failure naming the file.
  explicit Db(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

  /// Runs one or more statements without parameters.
  void exec(const char* sql);
  /// The statement for `sql`, prepared once and reused (reset, parameters unbound). The same
  /// SQL must not be used again while its rows are still being stepped.
  Statement& query(const char* sql);
  /// A single integer of a statement without parameters ("PRAGMA user_version").
  std::int64_t integer(const char* sql);
  std::string text(const char* sql);

  /// True inside a transaction. Some errors (a full disk, an I/O error) make SQLite roll the
  /// whole transaction back by itself: this is how a caller finds out.
  bool in_transaction() { return sqlite3_get_autocommit(db_) == 0; }

  /// Throws the Failure of the last call on this connection, naming the file and `what`.
  [[noreturn]] void fail(int code, const std::string& what);

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

/// A transaction: BEGIN IMMEDIATE (takes the write lock now, so the reads a compare-and-set
/// makes cannot be overtaken) or BEGIN DEFERRED (reads); rolled back unless commit() ran.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };
  Transaction(Db& db, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool open_ = true;
};

/// A savepoint inside the caller's transaction, for one part of a group commit: released
/// (kept) by release(), otherwise rolled back, so a failing part leaves the others' writes.
class Savepoint {
 public:
  explicit Savepoint(Db& db);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

 private:
  Db& db_;
  bool open_ = true;
};

/// A document's text as stored (invalid UTF-8 replaced, as RedisStore writes it).
inline std::string dump(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// A stored document that does not decode: a Failure naming where it is.
[[noreturn]] inline void corrupt(const std::string& path, const std::string& where) {
  throw Failure("SQLite database " + path + ": " + where + " does not hold what we write", true);
}

/// The Error value of a Failure.
inline Error to_error(const Failure& failure) {
  return Error(failure.corrupt() ? ErrorCode::kCorrupt : ErrorCode::kUnavailable, failure.what());
}

/// The value of `body` (which returns Result<T>), or the Error of the Failure it threw.
template <typename Body>
auto guarded(Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Failure& failure) {
    return to_error(failure);
  }
}

}  // namespace pmx::sqlite_db
