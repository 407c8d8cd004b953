#pragma once
// Per-merchant RED metrics of one worker: paygate_merchant_requests_total{mchid,code} and
// paygate_merchant_request_duration_seconds{mchid}, for requests whose merchant a verified
// signature established (never an unverified header), and paygate_rate_limited_total{mchid}.
//
// Label cardinality is bounded by listener.merchant_label_limit: the first that many merchants
// in configuration order keep their own mchid, every other one shares mchid="other". The rule
// uses configuration order, not "first seen", because every worker and every node must fold the
// same merchants: with "first seen" one merchant would be "other" on one worker and itself on
// the next, and sums across workers and nodes would mix the two.
//
//   MerchantMetrics metrics(shard, names);            // one per worker, its thread only
//   auto by_merchant = metrics.series_by_merchant(configured, credentials, limit);  // on adopt
//   metrics.count(*by_merchant[i], 200, elapsed);     // per request
//   metrics.count_rate_limited(*by_merchant[i]);      // per 429 of the rate limit
//
// count() takes the registry's lock and allocates only the first time this worker sees a
// (label, status) pair; after that it only updates handles, without a lock.

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "credentials/credentials.h"
#include "credentials/settings.h"
#include "observe/engine_metrics.h"
#include "observe/registry.h"

namespace paygate::steps {

// The folding rule of one configuration. Keeps views into `configured`, which must outlive it.
class MerchantLabels {
 public:
  MerchantLabels(std::span<const credentials::MerchantSettings> configured, std::size_t limit);
  // `mchid` when it is one of the first `limit` configured merchants, else "other".
  std::string_view label(std::string_view mchid) const;

 private:
  std::vector<std::string_view> own_;  // mchids with their own label, sorted
};

// The handles of one mchid label on one worker; created lazily, kept for the worker's life.
struct MerchantSeries {
  std::string label;
  observe::Histogram* duration = nullptr;
  std::vector<std::pair<int, observe::Counter*>> by_status;  // a handful of statuses in practice
  observe::Counter* rate_limited = nullptr;                  // made on the first refusal
};

class MerchantMetrics {
 public:
  MerchantMetrics(observe::Shard& shard, const observe::EngineMetrics& names);

  // Entry i is the series of credentials->merchants()[i] under the rule of `configured` (the
  // merchants section in configuration order) and `limit` (listener.merchant_label_limit);
  // empty without credentials. The series outlive the snapshot (a request may finish on it).
  std::vector<MerchantSeries*> series_by_merchant(
      std::span<const credentials::MerchantSettings> configured,
      const credentials::Credentials* credentials, std::size_t limit);

  void count(MerchantSeries& series, int status, std::chrono::nanoseconds elapsed);
  void count_rate_limited(MerchantSeries& series);

 private:
  MerchantSeries& series(std::string_view label);
  observe::Counter* status_counter(MerchantSeries& series, int status);

  observe::Shard& shard_;
  const observe::EngineMetrics& names_;
  std::unordered_map<std::string, std::unique_ptr<MerchantSeries>> series_;  // by label
};

}  // namespace paygate::steps
