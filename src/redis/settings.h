#pragma once
// Settings of a Redis server connection: where it is and how long to wait for it. Plain data
// with defaults; config/ fills and validates them.

#include <chrono>
#include <cstdint>
#include <string>

#include "crypto/secret_buffer.h"

namespace paygate::redis {

struct Settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  unsigned database = 0;          // SELECTed after connecting (and AUTH)
  crypto::SecretBuffer password;  // AUTH with it when not empty
  // A connection not established within this is a failure (the next call tries again after
  // the backoff).
  std::chrono::milliseconds connect_timeout{500};
  // A command whose reply has not come within this fails, and the connection with it: replies
  // come in order, so every command behind a stuck one is stuck too.
  std::chrono::milliseconds command_timeout{100};
  // After a failed connection, calls fail at once for this long, then one of them reconnects;
  // each failure in a row doubles it, up to max_backoff. Keeps a node that lost Redis from
  // spending its time in connect() and from stampeding the server when it returns.
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{1000};
};

}  // namespace paygate::redis
