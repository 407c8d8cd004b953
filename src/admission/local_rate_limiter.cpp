#include "admission/local_rate_limiter.h"

#include <algorithm>
#include <unordered_map>

namespace paygate::admission {

LocalRateLimiter::LocalRateLimiter(std::span<const MerchantRateLimit> merchants)
    : cells_(std::make_unique<Cell[]>(merchants.size())) {
  mchids_.reserve(merchants.size());
  for (std::size_t i = 0; i < merchants.size(); ++i) {
    mchids_.push_back(merchants[i].mchid);
    const auto& limit = merchants[i].limit;
    if (!limit) continue;
    cells_[i].interval = std::int64_t{1'000'000'000} / std::max<std::uint32_t>(limit->rate, 1);
    cells_[i].tolerance = cells_[i].interval * (std::max<std::uint32_t>(limit->burst, 1) - 1);
  }
}

std::shared_ptr<LocalRateLimiter> LocalRateLimiter::for_credentials(
    const credentials::Credentials& credentials,
    std::span<const credentials::MerchantSettings> configured,
    const credentials::PlatformSettings& platform) {
  std::vector<MerchantRateLimit> limits;
  bool any = false;
  for (const credentials::MerchantCredentials& merchant : credentials.merchants()) {
    auto found = std::find_if(
        configured.begin(), configured.end(),
        [&](const credentials::MerchantSettings& s) { return s.mchid == merchant.mchid; });
    const bool own = found != configured.end() && found->rate_limit;
    limits.push_back({merchant.mchid, own ? found->rate_limit : platform.rate_limit});
    any = any || limits.back().limit;
  }
  return any ? std::make_shared<LocalRateLimiter>(limits) : nullptr;
}

RateDecision LocalRateLimiter::admit(std::size_t merchant, Clock::time_point now) {
  if (merchant >= mchids_.size()) return {};
  Cell& cell = cells_[merchant];
  if (cell.interval == 0) return {};
  const std::int64_t t =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  // Relaxed is enough: the TAT is the only shared state and a CAS orders updates to it.
  std::int64_t tat = cell.tat.load(std::memory_order_relaxed);
  for (;;) {
    const std::int64_t start = std::max(tat, t);
    if (start - t > cell.tolerance) {
      return RateDecision{false, std::chrono::nanoseconds{start - t - cell.tolerance}};
    }
    if (cell.tat.compare_exchange_weak(tat, start + cell.interval, std::memory_order_relaxed)) {
      return {};
    }
  }
}

void LocalRateLimiter::carry_over(const RateLimiter& previous) {
  const auto* local = dynamic_cast<const LocalRateLimiter*>(&previous);
  if (!local) return;
  std::unordered_map<std::string_view, std::size_t> by_mchid;
  for (std::size_t i = 0; i < local->mchids_.size(); ++i) by_mchid.emplace(local->mchids_[i], i);
  for (std::size_t i = 0; i < mchids_.size(); ++i) {
    auto found = by_mchid.find(mchids_[i]);
    if (found == by_mchid.end()) continue;
    // Racy with workers still admitting on `previous`: a few requests may pass twice around a
    // reload, which a limit of requests per second tolerates.
    const std::int64_t tat = local->cells_[found->second].tat.load(std::memory_order_relaxed);
    cells_[i].tat.store(tat, std::memory_order_relaxed);
  }
}

RateParams LocalRateLimiter::params(std::size_t merchant) const {
  if (merchant >= mchids_.size()) return {};
  const Cell& cell = cells_[merchant];
  return {std::chrono::nanoseconds{cell.interval}, std::chrono::nanoseconds{cell.tolerance}};
}

}  // namespace paygate::admission
