#include "notify/postgres_handles.h"

#include <charconv>

namespace paygate::notify::postgres {
namespace {

// libpq ends its messages with a newline; one log line each is easier to read.
std::string message_of(PGconn* connection, const PGresult* result) {
  std::string message = result != nullptr ? libpq().PQresultErrorMessage(result) : "";
  if (message.empty()) message = libpq().PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

Result checked(PGconn* connection, PGresult* raw, std::string_view doing) {
  Result result(raw);
  const auto status = result ? libpq().PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* state = result ? libpq().PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  throw Failure(state != nullptr ? state : "",
                std::string(doing) + ": " + message_of(connection, result.get()));
}

}  // namespace

Params& Params::add(const std::string& text) {
  values_.push_back(text.c_str());
  lengths_.push_back(static_cast<int>(text.size()));
  return *this;
}

Params& Params::add(std::string_view text) { return add(owned_.emplace_back(text)); }

Params& Params::add(std::int64_t value) {
  char digits[24];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
  return add(owned_.emplace_back(digits, end));
}

Params& Params::add_null() {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  return *this;
}

Result execute(PGconn* connection, const char* sql) {
  return checked(connection, libpq().PQexec(connection, sql), "execute");
}

void prepare(PGconn* connection, const char* name, const std::string& sql, int parameters) {
  checked(connection, libpq().PQprepare(connection, name, sql.c_str(), parameters, nullptr),
          std::string("prepare ") + name);
}

Result execute_prepared(PGconn* connection, const char* name, const Params& params) {
  return checked(connection,
                 libpq().PQexecPrepared(connection, name, params.count(), params.values(),
                                        params.lengths(), nullptr, 0),
                 name);
}

Result execute(PGconn* connection, const char* sql, const Params& params) {
  return checked(connection,
                 libpq().PQexecParams(connection, sql, params.count(), nullptr, params.values(),
                                      params.lengths(), nullptr, 0),
                 "execute");
}

std::int64_t integer(const PGresult* result, int row, int column) {
  std::int64_t value = 0;
  const char* text = libpq().PQgetvalue(result, row, column);
  std::from_chars(text, text + libpq().PQgetlength(result, row, column), value);
  return value;
}

std::string text(const PGresult* result, int row, int column) {
  return std::string(libpq().PQgetvalue(result, row, column),
                     static_cast<std::size_t>(libpq().PQgetlength(result, row, column)));
}

bool is_null(const PGresult* result, int row, int column) {
  return libpq().PQgetisnull(result, row, column) == 1;
}

int rows(const PGresult* result) { return libpq().PQntuples(result); }

std::int64_t changed(const PGresult* result) {
  std::int64_t value = 0;
  const std::string_view count = libpq().PQcmdTuples(const_cast<PGresult*>(result));
  std::from_chars(count.data(), count.data() + count.size(), value);
  return value;
}

std::string text_array(std::span<const std::string> items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Transaction::Transaction(PGconn* connection) : connection_(connection) {
  execute(connection, "BEGIN");
}

Transaction::~Transaction() {
  if (open_ && libpq().PQstatus(connection_) == CONNECTION_OK)
    libpq().PQclear(libpq().PQexec(connection_, "ROLLBACK"));
}

void Transaction::commit() {
  open_ = false;
  execute(connection_, "COMMIT");
}

}  // namespace paygate::notify::postgres
