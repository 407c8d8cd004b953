#include "support/postgres_server.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace paygate::test {
namespace {

std::string& unavailable() {
  static std::string reason;
  return reason;
}

// Runs engine_postgres.py; its stdout's first line in `out`. The exit status.
int engine(const std::string& command, const std::string& directory, std::string* out) {
  const std::string line = "python3 '" PAYGATE_ENGINE_POSTGRES "' " + command + " '" + directory +
                           "' 2>" + directory + ".err";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[512];
  std::string text;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) text += buffer;
  const int status = ::pclose(pipe);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string error_text(const std::string& directory) {
  std::ifstream in(directory + ".err");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string fixture_url() {
  const char* directory = std::getenv("PAYGATE_TEST_POSTGRES_DIR");
  if (directory == nullptr) return "";
  std::ifstream port_file(std::string(directory) + "/port");
  std::string port;
  if (!(port_file >> port)) return "";
  if (::access((std::string(directory) + "/.s.PGSQL." + port).c_str(), F_OK) != 0) return "";
  return "postgresql://postgres@/paygate?host=" + std::string(directory) + "&port=" + port;
}

}  // namespace

PostgresServer::PostgresServer() {
  // As root the server runs as `postgres`, which must reach its directory inside this one.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  const std::string directory = dir_.file("server");
  std::string url;
  const int status = engine("start", directory, &url);
  if (status == 0) {
    url_ = url;
  } else {
    unavailable() = status == 77 ? error_text(directory)
                                 : "engine_postgres.py start failed: " + error_text(directory);
  }
}

PostgresServer::~PostgresServer() {
  if (ok()) run("stop");
}

bool PostgresServer::run(const std::string& command) {
  return engine(command, dir_.file("server"), nullptr) == 0;
}

bool PostgresServer::restart() { return run("restart"); }
bool PostgresServer::kill() { return run("kill"); }
bool PostgresServer::start_again() { return run("start"); }

std::string shared_postgres_url() {
  if (auto url = fixture_url(); !url.empty()) return url;
  static std::unique_ptr<PostgresServer> server = std::make_unique<PostgresServer>();
  return server->url();
}

std::string postgres_unavailable_reason() {
  return unavailable().empty() ? "no PostgreSQL server" : unavailable();
}

std::string unique_schema(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

}  // namespace paygate::test
