#pragma once
// LocalRateLimiter: the in-process RateLimiter. GCRA (the generic cell rate algorithm): each
// merchant has one atomic "theoretical arrival time" (TAT); a request at `now` passes when
// TAT - now <= (burst - 1) / rate and moves TAT on by 1 / rate, in a compare-exchange loop.
// A limit is thus shared by all workers of the process; with N nodes each admits its own rate.
// Why not a bucket per worker (the first plan): SO_REUSEPORT spreads a
// merchant's connections unevenly over workers, so rate / workers per worker would refuse a
// merchant on one worker while another sits idle. The shared TAT is one atomic per merchant,
// never a lock; workers contend on it only while serving the same merchant at once.
//
//   auto limiter = LocalRateLimiter::for_credentials(*credentials, merchants, platform);
//   if (limiter && !limiter->admit(i, RateLimiter::Clock::now()).admitted) { answer 429 }

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "admission/rate_limiter.h"
#include "credentials/credentials.h"
#include "credentials/settings.h"

namespace paygate::admission {

struct MerchantRateLimit {
  std::string mchid;
  std::optional<credentials::RateLimitSettings> limit;  // none = unlimited
};

class LocalRateLimiter final : public RateLimiter {
 public:
  // Merchant i of admit() is merchants[i].
  explicit LocalRateLimiter(std::span<const MerchantRateLimit> merchants);

  // For credentials.merchants(): each with its own rate_limit (`configured`, by mchid), else
  // platform.rate_limit. Null when no merchant has a limit: nothing to check.
  static std::shared_ptr<LocalRateLimiter> for_credentials(
      const credentials::Credentials& credentials,
      std::span<const credentials::MerchantSettings> configured,
      const credentials::PlatformSettings& platform);

  RateDecision admit(std::size_t merchant, Clock::time_point now) override;
  void carry_over(const RateLimiter& previous) override;
  RateParams params(std::size_t merchant) const override;

 private:
  // Its own cache line: workers hammering one merchant must not slow down the others.
  struct alignas(64) Cell {
    std::atomic<std::int64_t> tat{0};  // nanoseconds of Clock; 0 = long ago
    std::int64_t interval = 0;         // nanoseconds per request at the rate; 0 = unlimited
    std::int64_t tolerance = 0;        // (burst - 1) * interval
  };

  std::vector<std::string> mchids_;  // parallel to cells_
  std::unique_ptr<Cell[]> cells_;
};

}  // namespace paygate::admission
