#pragma once
// RedisServer: a real redis-server (Debian's package) for the tests of the code that talks to
// it, in a directory of its own on a free loopback port, without persistence; stopped (SIGTERM,
// then SIGKILL) by stop() or the destructor. stop() then start() keeps the port, so a client
// sees the server go away and come back. Tests skip when the binary is missing (available()).

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "support/temp_dir.h"

namespace paygate::test {

class RedisServer {
 public:
  static bool available();

  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server and waits (up to 10 s) until it accepts connections; throws
  // std::runtime_error when it does not.
  void start();
  void stop();
  std::uint16_t port() const { return port_; }

 private:
  TempDir dir_{"paygate-redis"};
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace paygate::test
