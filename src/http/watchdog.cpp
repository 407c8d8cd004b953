#include "http/watchdog.h"

#include <ctime>

namespace paygate::http {

Clock::time_point coarse_now() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return Clock::time_point(std::chrono::seconds(now.tv_sec) +
                           std::chrono::nanoseconds(now.tv_nsec));
}

Watchdog::Watchdog(boost::asio::any_io_executor executor, std::chrono::milliseconds tick)
    : timer_(executor), tick_(tick) {}

void Watchdog::start() {
  running_ = true;
  arm();
}

void Watchdog::stop() {
  running_ = false;
  timer_.cancel();
}

void Watchdog::arm() {
  timer_.expires_after(tick_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    fire(Clock::now());
    arm();
  });
}

void Watchdog::fire(Clock::time_point now) {
  PAYGATE_ASSERT_CONFINED(thread_);
  for (Entry* e = head_; e != nullptr; e = e->next_) {
    if (e->deadline_ <= now) e->on_deadline();
  }
  for (auto& hook : tick_hooks_) hook(now);
}

void Watchdog::add(Entry& entry) {
  PAYGATE_ASSERT_CONFINED(thread_);
  entry.prev_ = nullptr;
  entry.next_ = head_;
  if (head_) head_->prev_ = &entry;
  head_ = &entry;
  ++size_;
}

void Watchdog::remove(Entry& entry) {
  PAYGATE_ASSERT_CONFINED(thread_);
  if (entry.prev_) entry.prev_->next_ = entry.next_;
  else head_ = entry.next_;
  if (entry.next_) entry.next_->prev_ = entry.prev_;
  entry.prev_ = entry.next_ = nullptr;
  --size_;
}

void Watchdog::drain_all() {
  PAYGATE_ASSERT_CONFINED(thread_);
  for (Entry* e = head_; e != nullptr; e = e->next_) e->on_drain();
}

void Watchdog::close_all() {
  PAYGATE_ASSERT_CONFINED(thread_);
  for (Entry* e = head_; e != nullptr; e = e->next_) e->on_close();
}

}  // namespace paygate::http
