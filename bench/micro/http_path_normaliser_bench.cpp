// Path normalisation micro-benchmark: what http::normalise_request_path adds to each request.
// BM_NormalPath is the common case (an already-normal WeChat Pay path with a query: one pass, no
// copy); BM_RewrittenPath the slow path (escapes, dot-segments, repeated slashes). Reference from
// the same run: BM_MemchrReference, one memchr over the same bytes, the least any look at every
// byte costs. Compare the figures with the CPU per request of bench/proxy.sh (~20 us).

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "http/path_normaliser.h"

namespace {

using paygate::http::normalise_request_path;
using paygate::http::RequestHead;

constexpr std::string_view kNormalTarget =
    "/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109";
constexpr std::string_view kRewrittenTarget =
    "/v3//pay/./transactions/%6Fut-trade-no/../out-trade-no/1217752501201407033233368018"
    "?mchid=1230000109";

void run(benchmark::State& state, std::string_view target) {
  RequestHead head;
  head.target = target;
  const std::size_t q = target.find('?');
  head.raw_path = target.substr(0, q);
  head.query = target.substr(q + 1);
  head.path_storage.reserve(256);
  for (auto _ : state) {
    benchmark::DoNotOptimize(normalise_request_path(head, {}));
    benchmark::DoNotOptimize(head.path.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * target.size()));
}

void BM_NormalPath(benchmark::State& state) { run(state, kNormalTarget); }
void BM_RewrittenPath(benchmark::State& state) { run(state, kRewrittenTarget); }

void BM_MemchrReference(benchmark::State& state) {
  const std::string target(kNormalTarget);
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::memchr(target.data(), '%', target.size()));
  }
}

BENCHMARK(BM_NormalPath);
BENCHMARK(BM_RewrittenPath);
BENCHMARK(BM_MemchrReference);

}  // namespace
