#include "proxy/concurrency_limit.h"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace paygate::proxy {

namespace {
std::size_t index_of(Priority priority) { return static_cast<std::size_t>(priority); }
}  // namespace

ConcurrencyLimiter::Permit::Permit(Permit&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)), started_(other.started_) {}

ConcurrencyLimiter::Permit& ConcurrencyLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release(false);
    limiter_ = std::exchange(other.limiter_, nullptr);
    started_ = other.started_;
  }
  return *this;
}

void ConcurrencyLimiter::Permit::release(bool succeeded) {
  if (!limiter_) return;
  std::exchange(limiter_, nullptr)->release(succeeded, started_);
}

void ConcurrencyLimiter::configure(const std::optional<ConcurrencySettings>& settings) {
  if (!settings) {
    settings_.reset();
    limit_.reset();
    grant_waiters();  // without a limit everyone has room
    return;
  }
  // A fixed limit follows the file; a learnt one is kept, within the new bounds.
  const bool relearn = !limit_ || settings_->adaptive != settings->adaptive ||
                       (!settings->adaptive && settings_->initial_limit != settings->initial_limit);
  if (relearn) {
    limit_.emplace(*settings);
  } else {
    limit_->set_bounds(*settings);
  }
  settings_ = settings;
  grant_waiters();
}

std::size_t ConcurrencyLimiter::limit() const { return limit_ ? limit_->limit() : 0; }

bool ConcurrencyLimiter::has_room(Priority priority) const {
  if (!settings_) return true;
  const std::size_t limit = limit_->limit();
  const std::size_t room = priority == Priority::kLow ? std::max<std::size_t>(1, limit / 2) : limit;
  return in_flight_ < room;
}

bool ConcurrencyLimiter::waiting_at_or_above(Priority priority) const {
  for (std::size_t i = 0; i <= index_of(priority); ++i) {
    if (waiting_[i].head) return true;
  }
  return false;
}

bool ConcurrencyLimiter::try_acquire(Priority priority, Permit& permit) {
  if (!has_room(priority) || waiting_at_or_above(priority)) return false;
  ++in_flight_;
  permit = Permit(this, Clock::now());
  return true;
}

boost::asio::awaitable<Admission> ConcurrencyLimiter::acquire(Priority priority, Permit& permit) {
  if (try_acquire(priority, permit)) co_return Admission::kAdmitted;
  if (queued_ >= settings_->queue_size) {
    Waiter* victim = displaceable(priority);
    if (!victim) co_return Admission::kQueueFull;
    wake(*victim, WaitState::kDisplaced);
  }
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                  settings_->queue_deadline);
  Waiter waiter{priority, &timer};
  link(waiter);
  boost::system::error_code ignored;  // cancelled: granted or displaced, said by waiter.state
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
  switch (waiter.state) {
    case WaitState::kGranted:  // grant_waiters() counted it in flight
      permit = Permit(this, Clock::now());
      co_return Admission::kAdmitted;
    case WaitState::kDisplaced:
      co_return Admission::kQueueFull;
    case WaitState::kWaiting:
      break;
  }
  unlink(waiter);
  co_return Admission::kDeadline;
}

void ConcurrencyLimiter::release(bool succeeded, Clock::time_point started) {
  const Clock::time_point now = Clock::now();
  if (succeeded && settings_ && settings_->adaptive) {
    limit_->on_sample(now - started, in_flight_, now);
  }
  --in_flight_;
  grant_waiters();
}

void ConcurrencyLimiter::grant_waiters() {
  for (WaitList& list : waiting_) {  // core first, the newest first within a priority
    while (list.tail) {
      if (!has_room(list.tail->priority)) return;  // nor for anyone after it
      ++in_flight_;
      wake(*list.tail, WaitState::kGranted);
    }
  }
}

void ConcurrencyLimiter::wake(Waiter& waiter, WaitState state) {
  unlink(waiter);
  waiter.state = state;
  waiter.timer->cancel();
}

ConcurrencyLimiter::Waiter* ConcurrencyLimiter::displaceable(Priority priority) const {
  for (std::size_t i = waiting_.size(); i-- > index_of(priority) + 1;) {
    if (waiting_[i].head) return waiting_[i].head;
  }
  return nullptr;
}

void ConcurrencyLimiter::link(Waiter& waiter) {
  WaitList& list = waiting_[index_of(waiter.priority)];
  waiter.prev = list.tail;
  waiter.next = nullptr;
  (list.tail ? list.tail->next : list.head) = &waiter;
  list.tail = &waiter;
  ++queued_;
}

void ConcurrencyLimiter::unlink(Waiter& waiter) {
  WaitList& list = waiting_[index_of(waiter.priority)];
  (waiter.prev ? waiter.prev->next : list.head) = waiter.next;
  (waiter.next ? waiter.next->prev : list.tail) = waiter.prev;
  waiter.prev = waiter.next = nullptr;
  --queued_;
}

}  // namespace paygate::proxy
