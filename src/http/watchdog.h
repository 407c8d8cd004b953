#pragma once
// Watchdog: one per worker. Connections register an Entry with a deadline; a single periodic
// timer (tick, default 50 ms) fires the entries whose deadline has passed. Moving a deadline is a
// plain store, so a request costs no timer operations (the per-operation timer of
// beast::tcp_stream would). Deadlines are therefore precise to one tick.
// Also the worker's registry of live connections, used to drain and finally close them on
// shutdown.
// Confined to the owning worker's thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <vector>

#include "core/thread_checker.h"

namespace paygate::http {

using Clock = std::chrono::steady_clock;

// CLOCK_MONOTONIC_COARSE, on the same time line as Clock (CLOCK_MONOTONIC).
Clock::time_point coarse_now();

class Watchdog {
 public:
  class Entry {
   public:
    virtual ~Entry() = default;
    // Called on the worker thread once per tick while the deadline is in the past. Must only
    // cancel or close sockets (their handlers run later), never destroy the entry.
    virtual void on_deadline() = 0;
    // Called when the worker starts draining: close if idle, else finish the current request.
    virtual void on_drain() = 0;
    // Called when the worker stops with the connection still open (the drain deadline passed):
    // close now and cancel what it waits for, so that its coroutine ends at its next resumption.
    virtual void on_close() = 0;

    // From the coarse clock: a deadline is precise to one tick anyway, and the coarse clock
    // (the kernel's last timer interrupt, a few milliseconds behind at most) costs a fraction
    // of a precise read, which a request made once per phase.
    void expire_after(Clock::duration d) { deadline_ = coarse_now() + d; }
    void expire_at(Clock::time_point t) { deadline_ = t; }
    void expire_never() { deadline_ = Clock::time_point::max(); }
    Clock::time_point deadline() const { return deadline_; }

   private:
    friend class Watchdog;
    Clock::time_point deadline_ = Clock::time_point::max();
    Entry* prev_ = nullptr;
    Entry* next_ = nullptr;
  };

  explicit Watchdog(boost::asio::any_io_executor executor,
                    std::chrono::milliseconds tick = std::chrono::milliseconds(50));
  void start();
  void stop();

  void add(Entry& entry);
  void remove(Entry& entry);
  std::size_t size() const { return size_; }
  void drain_all();
  void close_all();  // Entry::on_close() of every connection (http/close_connections.h)
  // Extra work each tick (e.g. closing pooled connections idle for too long).
  void on_tick(std::function<void(Clock::time_point)> fn) { tick_hooks_.push_back(std::move(fn)); }

  boost::asio::any_io_executor executor() { return timer_.get_executor(); }

 private:
  void arm();
  void fire(Clock::time_point now);

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds tick_;
  Entry* head_ = nullptr;
  std::size_t size_ = 0;
  bool running_ = false;
  std::vector<std::function<void(Clock::time_point)>> tick_hooks_;
  core::ThreadChecker thread_;  // the thread its connections live on
};

}  // namespace paygate::http
