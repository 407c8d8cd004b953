#pragma once
// Connection: one client connection to a Redis server, confined to one worker's thread, shared
// by every request on that worker. Commands issued during one turn of the event loop leave in
// one write and their replies are matched in order (pipelining), so N requests in flight cost
// one round trip and a few syscalls, not N. Replies are parsed by hiredis's reader.
//
//   redis::Connection redis(executor, settings);
//   const std::string_view args[] = {"SET", key, "1", "NX", "PX", "300000"};
//   redis::Result r = co_await redis.call(args);
//   if (r.failure != redis::Failure::kNone) { apply the configured policy }
//
// Failure is fast and explicit: a call never waits longer than command_timeout (plus the
// connect_timeout when it opens the connection), and while the server is known to be down
// (after a failed connect, during the backoff) calls fail at once. The connection is opened on
// the first call and reopened on a later call after any failure; nothing is retried here (the
// caller knows whether its command may be sent twice).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <span>
#include <string_view>

#include "redis/reply.h"
#include "redis/script.h"
#include "redis/settings.h"

namespace paygate::redis {

enum class Failure {
  kNone,
  kUnavailable,  // not connected: connect failed or refused AUTH/SELECT, or in the backoff
  kTimeout,      // no reply within command_timeout (the connection is closed)
  kBroken,       // the connection broke, or the server sent what hiredis cannot parse
};
std::string_view name_of(Failure failure);  // "unavailable", "timeout", "broken"; "ok"

struct Result {
  Failure failure = Failure::kNone;
  Reply reply;  // set when failure is kNone; may be an error reply (error_of)
};

class Connection {
 public:
  Connection(boost::asio::any_io_executor executor, Settings settings);
  // Closes the connection; calls in flight complete with kBroken.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command (at most 24 arguments) and waits for its reply.
  boost::asio::awaitable<Result> call(std::span<const std::string_view> args);
  // Runs `script` with `keys` and `args` (EVALSHA, then EVAL once if the server answers
  // NOSCRIPT). At most 20 keys and arguments together.
  boost::asio::awaitable<Result> call_script(const Script& script,
                                             std::span<const std::string_view> keys,
                                             std::span<const std::string_view> args);

  bool connected() const;
  // Connections opened so far (1 after the first, +1 per reconnect), for metrics and tests.
  std::uint64_t connects() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace paygate::redis
