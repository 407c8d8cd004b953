#pragma once
// Thin RAII over the SQLite C API for the outbox (and canary/'s state file): a connection and
// prepared statements that are reset after each use. One thread per connection.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace paygate::notify::sqlite {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

// A SQLite failure: the result code (SQLITE_FULL tells a full store) and the message.
struct Failure : std::runtime_error {
  Failure(int code, const std::string& message) : std::runtime_error(message), code(code) {}
  int code;
};

[[noreturn]] void fail(sqlite3* db, int code, std::string_view doing);

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binders take 1-based indexes; text is not copied and must outlive the step.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  // True while a row is available; throws Failure on an error. Resets itself after the last row.
  bool step();
  // Runs a statement that returns no rows (or ignores them).
  void run();
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  void reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void execute(sqlite3* db, const char* sql);

// BEGIN IMMEDIATE ... COMMIT, rolled back when left by an exception.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  ~Transaction();
  void commit();

 private:
  sqlite3* db_;
  bool open_ = true;
};

}  // namespace paygate::notify::sqlite
