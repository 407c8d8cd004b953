#include "steps/merchant_metrics.h"

#include <algorithm>

#include "observe/metric_names.h"

namespace paygate::steps {

MerchantLabels::MerchantLabels(std::span<const credentials::MerchantSettings> configured,
                               std::size_t limit) {
  const std::size_t n = std::min(limit, configured.size());
  own_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) own_.push_back(configured[i].mchid);
  std::sort(own_.begin(), own_.end());
}

std::string_view MerchantLabels::label(std::string_view mchid) const {
  return std::binary_search(own_.begin(), own_.end(), mchid) ? mchid
                                                             : observe::names::kMerchantOther;
}

MerchantMetrics::MerchantMetrics(observe::Shard& shard, const observe::EngineMetrics& names)
    : shard_(shard), names_(names) {}

std::vector<MerchantSeries*> MerchantMetrics::series_by_merchant(
    std::span<const credentials::MerchantSettings> configured,
    const credentials::Credentials* credentials, std::size_t limit) {
  std::vector<MerchantSeries*> table;
  if (!credentials) return table;
  const MerchantLabels labels(configured, limit);
  for (const credentials::MerchantCredentials& m : credentials->merchants()) {
    table.push_back(&series(labels.label(m.mchid)));
  }
  return table;
}

void MerchantMetrics::count(MerchantSeries& series, int status, std::chrono::nanoseconds elapsed) {
  status_counter(series, status)->inc();
  // Made on first use, like the counters, so that a merchant without traffic exports nothing.
  if (!series.duration) {
    series.duration = shard_.histogram(names_.merchant_request_duration, {series.label});
  }
  series.duration->observe(std::chrono::duration<double>(elapsed).count());
}

void MerchantMetrics::count_rate_limited(MerchantSeries& series) {
  if (!series.rate_limited) {
    series.rate_limited = shard_.counter(names_.rate_limited, {series.label});
  }
  series.rate_limited->inc();
}

MerchantSeries& MerchantMetrics::series(std::string_view label) {
  auto& slot = series_[std::string(label)];
  if (!slot) {
    slot = std::make_unique<MerchantSeries>();
    slot->label = label;
  }
  return *slot;
}

observe::Counter* MerchantMetrics::status_counter(MerchantSeries& series, int status) {
  for (const auto& [known, counter] : series.by_status) {
    if (known == status) return counter;
  }
  std::string code;
  code += std::to_string(status);
  observe::Counter* counter = shard_.counter(names_.merchant_requests, {series.label, code});
  series.by_status.emplace_back(status, counter);
  return counter;
}

}  // namespace paygate::steps
