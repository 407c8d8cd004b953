#pragma once
// NotifyService: the durable notification path of one process, on threads of its own so that it
// never blocks a gateway worker:
//   intake thread     the internal listener (IntakeHandler)
//   committer lanes   group-commit intakes to the outbox (two on PostgreSQL, so that two
//                     commits are in flight; one on SQLite); lane 0 answers admin queries
//   dispatcher(s)     lease, seal, sign and POST due events
// Each committer lane and dispatcher has its own outbox connection; each thread its own metric
// shard (service shards first_shard .. first_shard + shard_count() - 1: intake, lanes,
// dispatchers).

#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "http/listener.h"
#include "http/watchdog.h"
#include "notify/committer.h"
#include "notify/dispatcher.h"
#include "notify/intake_handler.h"
#include "notify/metrics.h"
#include "notify/settings.h"

namespace paygate::notify {

class NotifyService {
 public:
  static std::size_t committer_lanes(const NotifySettings& settings);
  static std::size_t shard_count(const NotifySettings& settings) {
    return 1 + committer_lanes(settings) + settings.dispatchers;
  }

  // Opens and checks the outbox (throws StoreError) and binds the intake listener (throws
  // boost::system::system_error), so that start-up fails loudly rather than losing events.
  // Intakes carrying `mark` go to `stress` (the stress outbox's service, which outlives this
  // one and is stopped after it), or are refused without one (notify/intake_handler.h).
  NotifyService(const NotifySettings& settings,
                std::shared_ptr<const credentials::Credentials> credentials,
                observe::Registry& registry, const NotifyMetrics& names, std::size_t first_shard,
                StressMark mark = {}, NotifyService* stress = nullptr);
  ~NotifyService();

  void start();
  void stop();  // stops intake, commits what was queued, stops dispatchers
  void adopt(std::shared_ptr<const credentials::Credentials> credentials, StressMark mark = {});
  std::uint16_t port() const { return port_; }
  // The outbox's writer, for an intake of another kind (notify/callback_intake.h).
  Committer& committer() { return *committer_; }

 private:
  NotifySettings settings_;
  boost::asio::io_context io_{1};  // the intake thread's
  http::Watchdog watchdog_{io_.get_executor()};
  std::unique_ptr<Committer> committer_;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers_;
  std::unique_ptr<IntakeHandler> handler_;
  http::ServerLimits limits_;
  std::unique_ptr<http::ConnectionContext> context_;
  std::unique_ptr<http::Listener> listener_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace paygate::notify
