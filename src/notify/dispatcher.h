#pragma once
// Dispatcher: one thread that delivers due notifications. Its loop leases due events from the
// outbox, queues them per merchant, and starts deliveries while the merchant's concurrency limit
// and the host's connection limit allow, so one slow merchant cannot starve the others. Each
// delivery packs the event as its outbox's form says (notify/packer.h: for notifications the
// resource sealed with the merchant's APIv3 key and the envelope signed with the platform key)
// and POSTs it (notify/courier.h). Outcomes are written back in batches:
// 200/204 delivers; anything else retries on the schedule, then dead-letters. An attempt that
// throws is one more failed attempt (logged, counted as outcome "error"): its slot is freed and
// the event retried on the schedule like any other failure.
// Other threads talk to it through wake() and post_adopt(). A store that hears of work from other
// nodes (PostgreSQL LISTEN) wakes it too, as soon as an intake anywhere commits.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "credentials/credentials.h"
#include "notify/courier.h"
#include "notify/metrics.h"
#include "notify/packer.h"
#include "notify/settings.h"
#include "notify/store.h"

namespace paygate::notify {

class Dispatcher {
 public:
  Dispatcher(std::unique_ptr<Store> store, const NotifySettings& settings,
             std::shared_ptr<const credentials::Credentials> credentials,
             const NotifyMetrics& names, observe::Shard& shard);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void start();
  void stop();  // abandons deliveries in flight (their leases expire), joins
  void wake();  // any thread: events may have become due
  void post_adopt(std::shared_ptr<const credentials::Credentials> credentials);

  // Fault injection: `step` runs on the dispatcher thread at the start of every delivery
  // attempt, and whatever it throws is thrown by the attempt. Call before start().
  void set_attempt_step_for_test(std::function<void(const EventRecord&)> step);

 private:
  // How one delivery attempt ended: with the merchant's reply (or a timeout or network error
  // getting it), unsent (no usable URL or envelope), or with an exception.
  struct Attempt {
    enum class End { kPosted, kUnsendable, kError };
    static Attempt failed(End end, std::string why) {
      Attempt attempt;
      attempt.end = end;
      attempt.error = std::move(why);
      return attempt;
    }
    End end = End::kPosted;
    DeliveryReply reply;  // kPosted
    std::string error;    // kUnsendable, kError: why
  };

  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> watch_for_work();
  void check_for_work();
  void lease_more();
  void pump();
  void pump_merchant(const std::string& mchid, std::deque<EventRecord>& queue);
  std::size_t running(std::string_view mchid) const;
  boost::asio::awaitable<void> deliver(EventRecord record, DeliveryTarget target);
  boost::asio::awaitable<Attempt> attempt(const EventRecord& record, const DeliveryTarget& target);
  void finish(const EventRecord& record, Attempt attempt);
  void flush_outcomes();
  void schedule_pump();

  std::unique_ptr<boost::asio::io_context> io_ = std::make_unique<boost::asio::io_context>(1);
  std::unique_ptr<boost::asio::steady_timer> timer_ =
      std::make_unique<boost::asio::steady_timer>(*io_);
  std::unique_ptr<Store> store_;
  // The store's wakeup descriptor (a duplicate: libpq keeps its own), while one is watched.
  std::unique_ptr<boost::asio::posix::stream_descriptor> watched_;
  int watched_fd_ = -1;
  NotifySettings settings_;
  std::unique_ptr<Packer> packer_;
  Courier courier_;

  std::map<std::string, std::deque<EventRecord>, std::less<>> queued_;  // by mchid, leased
  std::map<std::string, std::size_t, std::less<>> running_;  // deliveries in flight by mchid
  std::set<std::string, std::less<>> held_;  // ids queued or in flight
  std::size_t queued_count_ = 0;
  std::vector<Outcome> outcomes_;
  std::atomic<bool> wake_pending_{false};
  bool pump_pending_ = false;
  std::function<void(const EventRecord&)> attempt_step_for_test_;

  observe::Counter* attempts_delivered_;
  observe::Counter* attempts_rejected_;
  observe::Counter* attempts_timeout_;
  observe::Counter* attempts_network_;
  observe::Counter* attempts_unsendable_;
  observe::Counter* attempts_error_;
  observe::Counter* delivered_;
  observe::Counter* dead_letters_;
  observe::Counter* commits_;
  observe::Gauge* in_flight_;
  observe::Histogram* latency_;
  observe::Histogram* attempt_time_;
  std::thread thread_;
};

}  // namespace paygate::notify
