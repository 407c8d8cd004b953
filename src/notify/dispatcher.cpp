#include "notify/dispatcher.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "core/trace_context.h"
#include "notify/schedule.h"

namespace paygate::notify {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

constexpr auto kPollPeriod = milliseconds(200);
// Leased events held per dispatcher: enough to keep every merchant busy, small enough that a
// restart repeats little.
constexpr std::size_t kMaxQueued = 2048;
constexpr std::size_t kLeaseBatch = 512;
constexpr std::size_t kFlushBatch = 256;

double unit_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

Dispatcher::Dispatcher(std::unique_ptr<Store> store, const NotifySettings& settings,
                       std::shared_ptr<const credentials::Credentials> credentials,
                       const NotifyMetrics& names, observe::Shard& shard)
    : store_(std::move(store)),
      settings_(settings),
      packer_(make_packer(settings, std::move(credentials))),
      courier_(io_->get_executor(), settings.host_connections, settings.tls),
      attempts_delivered_(shard.counter(names.attempts, {"delivered"})),
      attempts_rejected_(shard.counter(names.attempts, {"rejected"})),
      attempts_timeout_(shard.counter(names.attempts, {"timeout"})),
      attempts_network_(shard.counter(names.attempts, {"network"})),
      attempts_unsendable_(shard.counter(names.attempts, {"unsendable"})),
      attempts_error_(shard.counter(names.attempts, {"error"})),
      delivered_(shard.counter(names.delivered, {})),
      dead_letters_(shard.counter(names.dead_letters, {})),
      commits_(shard.counter(names.commits, {"dispatch"})),
      in_flight_(shard.gauge(names.in_flight, {})),
      latency_(shard.histogram(names.latency, {})),
      attempt_time_(shard.histogram(names.attempt_time, {})) {}

Dispatcher::~Dispatcher() {
  stop();
  // Coroutine frames still suspended in the io_context use the courier and the maps: destroy
  // them (with the io_context) while those are alive. The courier's pooled keep-alive sockets
  // are the io_context's, though: closing them after it is gone touches its freed socket service.
  timer_.reset();
  watched_.reset();
  courier_.close_idle();
  io_.reset();
}

void Dispatcher::start() {
  asio::co_spawn(*io_, loop(), asio::detached);
  if (store_->listens_for_work()) asio::co_spawn(*io_, watch_for_work(), asio::detached);
  thread_ = std::thread([this] {
    // A delivery's exception never gets here (deliver() makes it a failed attempt; co_spawn
    // would drop it anyway); a posted handler that throws costs that handler, not the thread.
    for (;;) {
      try {
        io_->run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("notify: dispatcher: {}", e.what());
      }
    }
  });
}

void Dispatcher::stop() {
  if (!thread_.joinable()) return;
  // Outcomes already known are written before leaving; deliveries in flight are abandoned and
  // their leases make them due again.
  asio::post(*io_, [this] {
    try {
      flush_outcomes();
    } catch (const std::exception& e) {
      spdlog::error("notify: outcomes not recorded at stop (they will be repeated): {}", e.what());
    }
    io_->stop();
  });
  thread_.join();
}

void Dispatcher::wake() {
  if (wake_pending_.exchange(true)) return;
  asio::post(*io_, [this] { timer_->cancel(); });
}

void Dispatcher::post_adopt(std::shared_ptr<const credentials::Credentials> credentials) {
  asio::post(*io_, [this, c = std::move(credentials)]() mutable { packer_->adopt(std::move(c)); });
}

asio::awaitable<void> Dispatcher::loop() {
  for (;;) {
    wake_pending_.store(false);
    try {
      flush_outcomes();
      lease_more();
    } catch (const std::exception& e) {
      spdlog::error("notify: dispatcher cannot use the outbox: {}", e.what());
    }
    check_for_work();
    pump();
    timer_->expires_after(kPollPeriod);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// Notices that came in while the lease ran were read by libpq then, and the descriptor will not
// signal them again: look now. A reconnection changes the descriptor: watch the new one.
void Dispatcher::check_for_work() {
  if (!store_->listens_for_work()) return;
  if (store_->take_wakeups()) wake();
  if (watched_ && store_->wakeup_fd() != watched_fd_) watched_->cancel();
}

asio::awaitable<void> Dispatcher::watch_for_work() {
  asio::steady_timer retry(*io_);
  for (;;) {
    watched_fd_ = store_->wakeup_fd();
    if (watched_fd_ < 0) {  // the connection is down; the loop's next call makes a new one
      retry.expires_after(kPollPeriod);
      co_await retry.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    const int duplicate = ::dup(watched_fd_);
    if (duplicate < 0) {
      spdlog::error("notify: dispatcher cannot watch the outbox for new work: dup failed");
      co_return;  // the poll period still finds the work
    }
    watched_ = std::make_unique<asio::posix::stream_descriptor>(*io_, duplicate);
    co_await watched_->async_wait(asio::posix::stream_descriptor::wait_read,
                                  asio::as_tuple(asio::use_awaitable));
    watched_.reset();
    if (store_->take_wakeups()) wake();
  }
}

void Dispatcher::lease_more() {
  if (queued_count_ + kLeaseBatch / 2 > kMaxQueued) return;
  // Merchants with a full queue are not leased for: their events stay due in the outbox.
  std::vector<std::string> skip;
  for (const auto& [mchid, queue] : queued_) {
    if (queue.size() >= settings_.merchant_concurrency) skip.push_back(mchid);
  }
  const auto now = now_ms();
  auto records = store_->lease_due(now, now + settings_.lease,
                                   std::min(kLeaseBatch, kMaxQueued - queued_count_), skip);
  commits_->inc();
  for (auto& record : records) {
    if (!held_.insert(record.id).second) continue;  // still ours from an earlier lease
    ++queued_count_;
    queued_[record.event.mchid].push_back(std::move(record));
  }
}

void Dispatcher::pump() {
  for (auto it = queued_.begin(); it != queued_.end();) {
    pump_merchant(it->first, it->second);
    it = it->second.empty() ? queued_.erase(it) : std::next(it);
  }
}

// A delivery can end before this returns (an unusable URL here, an envelope that cannot be
// built in deliver(), which runs up to its first wait inside co_spawn), and finish() erases the
// merchant's running_ entry when its count drops to zero: the count is looked up afresh each
// time, never held by reference across a start.
void Dispatcher::pump_merchant(const std::string& mchid, std::deque<EventRecord>& queue) {
  while (!queue.empty() && running(mchid) < settings_.merchant_concurrency) {
    DeliveryTarget target;
    std::string reason;
    EventRecord& next = queue.front();
    const bool parsed = parse_target(next.event.notify_url, target, reason);
    if (parsed && !courier_.reserve(target.pool_key)) return;  // the host is at its limit
    EventRecord record = std::move(next);
    queue.pop_front();
    --queued_count_;
    ++running_[mchid];
    in_flight_->add(1);
    if (!parsed) {
      finish(record, Attempt::failed(Attempt::End::kUnsendable, std::move(reason)));
      continue;
    }
    asio::co_spawn(*io_, deliver(std::move(record), std::move(target)), asio::detached);
  }
}

std::size_t Dispatcher::running(std::string_view mchid) const {
  const auto it = running_.find(mchid);
  return it == running_.end() ? 0 : it->second;
}

void Dispatcher::set_attempt_step_for_test(std::function<void(const EventRecord&)> step) {
  attempt_step_for_test_ = std::move(step);
}

// Runs detached, and a detached coroutine's exception is dropped with its frame: the slot it
// holds would never be released and the event, still held, never leased again until a restart.
// So whatever the attempt throws ends it as a failed attempt like any other.
asio::awaitable<void> Dispatcher::deliver(EventRecord record, DeliveryTarget target) {
  Attempt result;
  try {
    result = co_await attempt(record, target);
  } catch (const std::exception& e) {
    spdlog::error("notify: delivery attempt of {} to {} failed with an exception: {}", record.id,
                  record.event.notify_url, e.what());
    result = Attempt::failed(Attempt::End::kError, std::string("internal error: ") + e.what());
  }
  courier_.release(target.pool_key);
  finish(record, std::move(result));
}

asio::awaitable<Dispatcher::Attempt> Dispatcher::attempt(const EventRecord& record,
                                                         const DeliveryTarget& target) {
  if (attempt_step_for_test_) attempt_step_for_test_(record);
  Parcel parcel;
  std::string reason;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!packer_->pack(record, now, parcel, reason)) {
    co_return Attempt::failed(Attempt::End::kUnsendable, std::move(reason));
  }
  // Each attempt is a new span of the trace the intake carried.
  core::TraceContext trace;
  if (!trace.continue_from(record.event.traceparent)) trace.start();
  Headers headers = {
      {"Content-Type", "application/json"},
      {"traceparent", trace.traceparent()},
      {"X-Trace-ID", trace.trace_id()},
      {"User-Agent", packer_->user_agent()},
      {"Request-ID", record.id},
  };
  for (const auto& [name, value] : parcel.fields) headers.emplace_back(name, value);
  const auto started = std::chrono::steady_clock::now();
  Attempt posted;
  posted.reply = co_await courier_.post(target, headers, parcel.body, settings_.attempt_timeout);
  attempt_time_->observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return posted;
}

void Dispatcher::finish(const EventRecord& record, Attempt attempt) {
  const auto now = now_ms();
  Outcome outcome{.kind = Outcome::Kind::kRetry, .id = record.id,
                  .attempts = record.attempts + 1, .at = now, .error = {}};
  const DeliveryReply& reply = attempt.reply;
  const bool acknowledged = attempt.end == Attempt::End::kPosted &&
                            reply.failure == DeliveryReply::Failure::kNone &&
                            (reply.status == 200 || reply.status == 204);
  if (acknowledged) {
    outcome.kind = Outcome::Kind::kDelivered;
    attempts_delivered_->inc();
    delivered_->inc();
    latency_->observe(std::chrono::duration<double>(now - record.created_at).count());
  } else {
    if (attempt.end == Attempt::End::kUnsendable) {
      attempts_unsendable_->inc();
      outcome.error = std::move(attempt.error);
    } else if (attempt.end == Attempt::End::kError) {
      attempts_error_->inc();
      outcome.error = std::move(attempt.error);
    } else if (reply.failure == DeliveryReply::Failure::kTimeout) {
      attempts_timeout_->inc();
      outcome.error = reply.error;
    } else if (reply.failure == DeliveryReply::Failure::kNetwork) {
      attempts_network_->inc();
      outcome.error = reply.error;
    } else {
      attempts_rejected_->inc();
      outcome.error = "HTTP " + std::to_string(reply.status);
    }
    auto delay = retry_delay(settings_.schedule, outcome.attempts, settings_.jitter, unit_random());
    if (delay) {
      outcome.at = now + *delay;
    } else {
      outcome.kind = Outcome::Kind::kDeadLetter;
      dead_letters_->inc();
      spdlog::warn("notify: {} to {} failed {} times, last: {}", record.id,
                   record.event.notify_url, outcome.attempts, outcome.error);
    }
  }
  outcomes_.push_back(std::move(outcome));
  held_.erase(record.id);
  auto running = running_.find(record.event.mchid);
  if (running != running_.end() && --running->second == 0) running_.erase(running);
  in_flight_->add(-1);
  if (outcomes_.size() >= kFlushBatch) {
    try {
      flush_outcomes();
    } catch (const std::exception& e) {
      spdlog::error("notify: cannot record delivery outcomes: {}", e.what());
    }
  }
  schedule_pump();
  if (queued_count_ < kLeaseBatch / 2) wake();
}

// finish() runs inside pump() too (an unusable URL), so the next pump is posted, not nested.
void Dispatcher::schedule_pump() {
  if (pump_pending_) return;
  pump_pending_ = true;
  asio::post(*io_, [this] {
    pump_pending_ = false;
    pump();
  });
}

void Dispatcher::flush_outcomes() {
  if (outcomes_.empty()) return;
  store_->record(outcomes_);
  commits_->inc();
  outcomes_.clear();
}

}  // namespace paygate::notify
