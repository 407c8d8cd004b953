#pragma once
// Thin RAII over libpq for the PostgreSQL outbox: a connection, results, text parameters passed
// with their lengths (never spliced into SQL), and a transaction that rolls back when left by an
// exception. One thread per connection.

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "notify/libpq.h"

namespace paygate::notify::postgres {

struct FinishConnection {
  void operator()(PGconn* connection) const { libpq().PQfinish(connection); }
};
using Connection = std::unique_ptr<PGconn, FinishConnection>;

struct ClearResult {
  void operator()(PGresult* result) const { libpq().PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ClearResult>;

// A failed command: its SQLSTATE ("53100" tells a full disk; "" when the connection broke).
struct Failure : std::runtime_error {
  Failure(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate(std::move(sqlstate)) {}
  std::string sqlstate;
};

// Parameters in text form, $1 first. libpq reads a text parameter up to its NUL, whatever its
// length says: a std::string (NUL-terminated) is referred to and must outlive the call; a view,
// which may not end in a NUL, is copied.
class Params {
 public:
  Params& add(const std::string& text);
  Params& add(std::string_view text);
  Params& add(std::int64_t value);
  Params& add_null();
  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }

 private:
  std::deque<std::string> owned_;  // numbers printed here; a deque keeps them in place
  std::vector<const char*> values_;
  std::vector<int> lengths_;
};

// Each throws Failure unless the command succeeded.
Result execute(PGconn* connection, const char* sql);
void prepare(PGconn* connection, const char* name, const std::string& sql, int parameters);
Result execute_prepared(PGconn* connection, const char* name, const Params& params);
// An unprepared command with parameters (for the few run once per connection).
Result execute(PGconn* connection, const char* sql, const Params& params);

std::int64_t integer(const PGresult* result, int row, int column);
std::string text(const PGresult* result, int row, int column);
bool is_null(const PGresult* result, int row, int column);
int rows(const PGresult* result);
// Rows a command changed (UPDATE, DELETE, INSERT).
std::int64_t changed(const PGresult* result);

// A text[] literal: {"a","b"}, each element quoted and escaped.
std::string text_array(std::span<const std::string> items);

// BEGIN ... COMMIT; the destructor rolls back what was not committed (if the connection lives).
class Transaction {
 public:
  explicit Transaction(PGconn* connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  PGconn* connection_;
  bool open_ = true;
};

}  // namespace paygate::notify::postgres
