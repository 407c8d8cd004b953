#pragma once
// RateLimiter: admits or refuses a verified merchant's request by its limit (RateLimitSettings).
// One per configuration snapshot, for the merchants of its credentials, numbered as in
// Credentials::merchants(). Any worker thread may call admit() at the same time: it takes no
// lock and allocates nothing. The embedded limiter is LocalRateLimiter (one process); a shared
// one (Redis, when several nodes serve the same merchants) implements the same interface.

#include <chrono>
#include <cstddef>

namespace paygate::admission {

struct RateDecision {
  bool admitted = true;
  std::chrono::nanoseconds retry_after{0};  // when refused: until one more request would pass
};

// A merchant's limit as the parameters of GCRA (admission/local_rate_limiter.h): one request
// per `interval`, up to `tolerance / interval + 1` at once. The cluster's shared limiter runs
// the same algorithm on Redis with these (steps/shared_admission.h).
struct RateParams {
  std::chrono::nanoseconds interval{0};  // 0: unlimited
  std::chrono::nanoseconds tolerance{0};
  bool limited() const { return interval.count() > 0; }
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~RateLimiter() = default;
  // Counts one request of merchant `merchant` arriving at `now` (tests pass their own times).
  // A merchant without a limit, or an index out of range, is always admitted.
  virtual RateDecision admit(std::size_t merchant, Clock::time_point now) = 0;
  // Takes over the state of every merchant (by mchid) `previous` also limited, so that a reload
  // does not hand each merchant a fresh burst. Control thread, before this limiter is published.
  virtual void carry_over(const RateLimiter& previous) = 0;
  // Merchant `merchant`'s limit; unlimited for an index out of range.
  virtual RateParams params(std::size_t merchant) const = 0;
};

}  // namespace paygate::admission
