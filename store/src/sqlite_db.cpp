#include "sqlite_db.h"

namespace pmx::sqlite_db {
namespace {

bool is_corruption(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

}  // namespace

Statement::Statement(Db& db, const char* sql) : db_(db), sql_(sql) {
  if (sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
      SQLITE_OK) {
    db.fail(sqlite3_errcode(db.handle()), std::string("preparing ") + sql);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    db_.fail(sqlite3_errcode(db_.handle()), sql_);
  }
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    db_.fail(sqlite3_errcode(db_.handle()), sql_);
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail(sqlite3_errcode(db_.handle()), sql_);
  return *this;
}

bool Statement::step() {
  const int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  db_.fail(code, sql_);
}

void Statement::run() {
  while (step()) {
  }
  sqlite3_reset(stmt_);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

Db::Db(const std::string& path) : path_(path) {
  const int code =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Failure("cannot open SQLite database " + path + ": " + message, is_corruption(code));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() {
  statements_.clear();  // finalized before the connection closes
  sqlite3_close(db_);
}

void Db::fail(int code, const std::string& what) {
  throw Failure("SQLite database " + path_ + ": " + sqlite3_errmsg(db_) + " (" + what + ")",
                is_corruption(code));
}

void Db::exec(const char* sql) {
  const int code = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) fail(code, sql);
}

Statement& Db::query(const char* sql) {
  auto& statement = statements_[sql];
  if (!statement) {
    statement = std::make_unique<Statement>(*this, sql);
  } else {
    statement->reset();
  }
  return *statement;
}

std::int64_t Db::integer(const char* sql) {
  Statement statement(*this, sql);
  return statement.step() ? statement.integer(0) : 0;
}

std::string Db::text(const char* sql) {
  Statement statement(*this, sql);
  return statement.step() ? statement.text(0) : std::string();
}

Transaction::Transaction(Db& db, Mode mode) : db_(db) {
  db_.exec(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

Savepoint::Savepoint(Db& db) : db_(db) { db_.exec("SAVEPOINT part"); }

Savepoint::~Savepoint() {
  if (open_ && db_.in_transaction()) {
    sqlite3_exec(db_.handle(), "ROLLBACK TO part; RELEASE part", nullptr, nullptr, nullptr);
  }
}

void Savepoint::release() {
  db_.exec("RELEASE part");
  open_ = false;
}

}  // namespace pmx::sqlite_db
