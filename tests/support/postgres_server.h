#pragma once
// PostgresServer: a real PostgreSQL server for the outbox tests, started in a temporary directory
// on a free port by tests/integration/engine_postgres.py (the same code the integration tests
// use; it runs the server as the `postgres` user when the tests run as root). Destroying the
// object stops the server and removes the directory. Not thread-safe.
//
// shared_postgres_url(): the server all tests of a process share (each test uses its own schema):
// the ctest fixture's (PAYGATE_TEST_POSTGRES_DIR), else one started on first use and stopped at
// exit. "" when none can be had: the caller skips with unavailable_reason().

#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace paygate::test {

class PostgresServer {
 public:
  PostgresServer();  // starts; check ok() before use
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool ok() const { return !url_.empty(); }
  const std::string& url() const { return url_; }  // over the unix socket
  bool restart();
  bool kill();         // an immediate shutdown, as in a crash
  bool start_again();  // after kill()

 private:
  bool run(const std::string& command);
  TempDir dir_{"paygate-pg"};
  std::string url_;
};

std::string shared_postgres_url();
std::string postgres_unavailable_reason();

// A schema name no other test of this run uses.
std::string unique_schema(const std::string& prefix);

}  // namespace paygate::test
