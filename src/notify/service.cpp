#include "notify/service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "core/uri_password.h"

namespace paygate::notify {

namespace asio = boost::asio;

constexpr auto kDrainWait = std::chrono::seconds(2);
// Two commits in flight cover one's WAL flush with the other's work (bench/notify_postgres.sh:
// more lanes only split the groups smaller).
constexpr std::size_t kPostgresCommitterLanes = 2;

std::size_t NotifyService::committer_lanes(const NotifySettings& settings) {
  return core::is_postgres_uri(settings.store_path) ? kPostgresCommitterLanes : 1;
}

NotifyService::NotifyService(const NotifySettings& settings,
                             std::shared_ptr<const credentials::Credentials> credentials,
                             observe::Registry& registry, const NotifyMetrics& names,
                             std::size_t first_shard, StressMark mark, NotifyService* stress)
    : settings_(settings) {
  const StoreOptions intake_store{settings.store_path,   true, settings.max_store_bytes, true,
                                  settings.store_schema, false};
  // max_store_size caps intakes only (PRAGMA max_page_count is per connection): leases and
  // outcomes rewrite rows already stored, and if a full outbox refused them too, nothing would
  // be delivered and it could never drain. A dispatcher's PostgreSQL connection LISTENs, so
  // that intakes on any node wake it.
  const StoreOptions dispatch_store{settings.store_path,   false, 0, false,
                                    settings.store_schema, true};
  const std::size_t lanes = committer_lanes(settings);
  for (std::size_t i = 0; i < settings.dispatchers; ++i) {
    dispatchers_.push_back(
        std::make_unique<Dispatcher>(open_store(dispatch_store), settings, credentials, names,
                                     registry.service_shard(first_shard + 1 + lanes + i)));
  }
  auto wake_all = [this] {
    for (auto& d : dispatchers_) d->wake();
  };
  // Opened first among the writers: it checks the file's integrity (once).
  std::vector<CommitterLane> committer_lanes;
  for (std::size_t i = 0; i < lanes; ++i) {
    StoreOptions options = intake_store;
    options.check_integrity = i == 0;
    committer_lanes.push_back({open_store(options), &registry.service_shard(first_shard + 1 + i)});
  }
  committer_ = std::make_unique<Committer>(std::move(committer_lanes), settings, names, wake_all);
  StressOutbox stress_outbox;
  if (stress) stress_outbox = {stress->committer_.get(), stress->settings_.sink};
  handler_ = std::make_unique<IntakeHandler>(*committer_, settings, credentials, names,
                                             registry.service_shard(first_shard), wake_all,
                                             std::move(stress_outbox));
  handler_->adopt(std::move(credentials), std::move(mark));
  limits_.max_body_bytes = settings.max_body_bytes;
  context_ = std::make_unique<http::ConnectionContext>(
      http::ConnectionContext{watchdog_, *handler_, &limits_});
  listener_ = std::make_unique<http::Listener>(
      io_.get_executor(), asio::ip::tcp::endpoint{asio::ip::make_address(settings.address),
                                                  settings.port},
      *context_);
  port_ = listener_->local_endpoint().port();
}

NotifyService::~NotifyService() { stop(); }

void NotifyService::start() {
  committer_->start();
  for (auto& d : dispatchers_) d->start();
  watchdog_.start();
  asio::co_spawn(io_, listener_->accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void NotifyService::stop() {
  if (!thread_.joinable()) return;
  // Intake calls under way still get their answer (the committer is running); idle
  // connections close. Then the thread stops, with at most kDrainWait of patience.
  asio::post(io_, [this] {
    listener_->close();
    context_->draining = true;
    watchdog_.drain_all();
  });
  const auto give_up = std::chrono::steady_clock::now() + kDrainWait;
  while (handler_->connections() > 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  asio::post(io_, [this] {
    watchdog_.stop();
    io_.stop();
  });
  thread_.join();
  committer_->stop();
  for (auto& d : dispatchers_) d->stop();
}

void NotifyService::adopt(std::shared_ptr<const credentials::Credentials> credentials,
                          StressMark mark) {
  for (auto& d : dispatchers_) d->post_adopt(credentials);
  asio::post(io_, [this, c = std::move(credentials), m = std::move(mark)]() mutable {
    handler_->adopt(std::move(c), std::move(m));
  });
}

}  // namespace paygate::notify
