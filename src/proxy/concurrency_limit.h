#pragma once
// ConcurrencyLimiter: how many requests one worker may have in flight to one cluster
// (clusters[].concurrency), and the short queue of those waiting for a permit. One per cluster
// per worker (ClusterState::limiter()), kept across reloads with the cluster; no locks.
//
//   acquire(priority) -> admitted at once when the priority has room and nobody of its priority
//                        or above waits; else queued, at most queue_deadline:
//                        admitted    a permit freed up (waiters go core, normal, low; the newest
//                                    first within a priority)
//                        kDeadline   none did in time
//                        kQueueFull  the queue was full and nobody of lower priority was in it,
//                                    or a more important newcomer took this waiter's place
//
// Room: core and normal requests may use the whole limit, low ones half of it (at least one),
// so low routes are shed first as load rises and leave the rest to the others. A full queue
// sheds its oldest waiter of the lowest priority below the newcomer's, or else the newcomer.
// Newest first (LIFO), because under a sustained overload the queue never empties: served in
// arrival order, every admitted request would have waited almost the whole deadline first, while
// newest first admits requests that barely waited and lets the old ones, whose clients are
// closest to giving up, reach their deadline.
// The limit is adaptive (proxy/gradient_limit.h, fed the latency of successful exchanges) or,
// with adaptive: false, fixed at initial_limit. Without settings every request is admitted at
// once and only counted, so a reload that adds the settings starts from the true in-flight count.
//
// A Permit is held for the upstream exchange and released when it ends (finish(), or its
// destructor without a latency sample). Waiters live in their own coroutine frames (an intrusive
// list): queueing allocates nothing of its own. A waiter ends by its deadline at the latest, so
// a draining worker has none left when its limiters go. Worker-thread confined.

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <optional>

#include "proxy/gradient_limit.h"
#include "proxy/settings.h"

namespace paygate::proxy {

enum class Admission { kAdmitted, kQueueFull, kDeadline };

class ConcurrencyLimiter {
 public:
  using Clock = GradientLimit::Clock;

  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&& other) noexcept;
    ~Permit() { release(false); }

    explicit operator bool() const { return limiter_ != nullptr; }
    // The exchange ended; a successful one teaches the limit its latency.
    void finish(bool succeeded) { release(succeeded); }

   private:
    friend class ConcurrencyLimiter;
    Permit(ConcurrencyLimiter* limiter, Clock::time_point started)
        : limiter_(limiter), started_(started) {}
    void release(bool succeeded);

    ConcurrencyLimiter* limiter_ = nullptr;
    Clock::time_point started_{};
  };

  ConcurrencyLimiter() = default;
  ConcurrencyLimiter(const ConcurrencyLimiter&) = delete;
  ConcurrencyLimiter& operator=(const ConcurrencyLimiter&) = delete;

  // When the worker adopts a snapshot. Settings that stay keep the learnt limit (within the new
  // bounds); none lets every waiter in.
  void configure(const std::optional<ConcurrencySettings>& settings);
  bool enabled() const { return settings_.has_value(); }
  // The limit now (0 when not enabled), the requests holding a permit and those waiting.
  std::size_t limit() const;
  std::size_t in_flight() const { return in_flight_; }
  std::size_t queued() const { return queued_; }

  // A permit at once, or false without one (nothing waits): the common case needs no coroutine.
  bool try_acquire(Priority priority, Permit& permit);
  // A permit at once or after waiting in the queue; on kAdmitted, `permit` holds it.
  boost::asio::awaitable<Admission> acquire(Priority priority, Permit& permit);

 private:
  enum class WaitState { kWaiting, kGranted, kDisplaced };
  struct Waiter {
    Priority priority;
    boost::asio::steady_timer* timer;
    WaitState state = WaitState::kWaiting;
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
  };
  struct WaitList {
    Waiter* head = nullptr;
    Waiter* tail = nullptr;
  };

  bool has_room(Priority priority) const;
  bool waiting_at_or_above(Priority priority) const;
  void release(bool succeeded, Clock::time_point started);
  void grant_waiters();
  void wake(Waiter& waiter, WaitState state);
  // The oldest waiter of the lowest priority below `priority`; null when none.
  Waiter* displaceable(Priority priority) const;
  void link(Waiter& waiter);
  void unlink(Waiter& waiter);

  std::optional<ConcurrencySettings> settings_;
  std::optional<GradientLimit> limit_;
  std::size_t in_flight_ = 0;
  std::size_t queued_ = 0;
  std::array<WaitList, kPriorityCount> waiting_{};  // by Priority
};

}  // namespace paygate::proxy
