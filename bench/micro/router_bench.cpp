// Router micro-benchmark: RouteTable::match() on a realistic WeChat Pay v3 route table
// (docs/protocol.md §8 plus prefixes, condition variants and regex routes, ~50 routes).
// Reference from the same run: a linear scan of std::string_view equality over the same
// literal paths, the cheapest thing a router could do, printed as BM_LinearScanReference.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "router/route_table.h"

namespace {

using paygate::router::HeaderMatch;
using paygate::router::Match;
using paygate::router::PathKind;
using paygate::router::Request;
using paygate::router::RouteSpec;
using paygate::router::RouteTable;

RouteSpec spec(std::string pattern, PathKind kind, std::vector<std::string> methods = {},
               std::vector<std::string> hosts = {}, std::vector<HeaderMatch> headers = {}) {
  static int counter = 0;
  std::string name = "r";  // appended: GCC 12 -O3 reports a false -Wrestrict on "r" + to_string
  name += std::to_string(counter++);
  return RouteSpec{std::move(name),
                   kind,
                   std::move(pattern),
                   std::move(methods),
                   std::move(hosts),
                   std::move(headers)};
}

std::vector<RouteSpec> wechatpay_routes() {
  constexpr PathKind kT = PathKind::kTemplate;
  constexpr PathKind kP = PathKind::kPrefix;
  constexpr PathKind kR = PathKind::kRegex;
  std::vector<RouteSpec> specs;
  for (const char* kind : {"jsapi", "app", "h5", "native", "codepay"}) {
    specs.push_back(spec(std::string("/v3/pay/transactions/") + kind, kT, {"POST"}));
    specs.push_back(spec(std::string("/v3/pay/partner/transactions/") + kind, kT, {"POST"}));
  }
  specs.push_back(spec("/v3/pay/transactions/id/{transaction_id}", kT, {"GET"}));
  specs.push_back(spec("/v3/pay/transactions/out-trade-no/{out_trade_no}", kT, {"GET"}));
  specs.push_back(spec("/v3/pay/transactions/out-trade-no/{out_trade_no}/close", kT, {"POST"}));
  specs.push_back(spec("/v3/pay/transactions/out-trade-no/{out_trade_no}/close", kT, {"POST"}, {},
                       {{"X-Traffic-Colour", "gray", false}}));
  specs.push_back(spec("/v3/pay/partner/transactions/id/{transaction_id}", kT, {"GET"}));
  specs.push_back(spec("/v3/pay/partner/transactions/out-trade-no/{out_trade_no}", kT, {"GET"}));
  specs.push_back(spec("/v3/refund/domestic/refunds", kT, {"POST"}));
  specs.push_back(spec("/v3/refund/domestic/refunds/{out_refund_no}", kT, {"GET"}));
  specs.push_back(spec("/v3/refund/domestic/abnormal-refunds/{refund_id}/apply", kT, {"POST"}));
  specs.push_back(spec("/v3/bill/tradebill", kT, {"GET"}));
  specs.push_back(spec("/v3/bill/fundflowbill", kT, {"GET"}));
  specs.push_back(spec("/v3/bill/sub-merchant-fundflowbill", kT, {"GET"}));
  specs.push_back(spec("/v3/billdownload/file", kT, {"GET"}));
  specs.push_back(spec("/v3/certificates", kT, {"GET"}));
  specs.push_back(spec("/v3/merchant/media/upload", kT, {"POST"}));
  specs.push_back(spec("/v3/merchant/media/video_upload", kT, {"POST"}));
  specs.push_back(spec("/v3/profitsharing/orders", kT, {"POST"}));
  specs.push_back(spec("/v3/profitsharing/orders/{out_order_no}", kT, {"GET"}));
  specs.push_back(spec("/v3/profitsharing/return-orders", kT, {"POST"}));
  specs.push_back(spec("/v3/profitsharing/return-orders/{out_return_no}", kT, {"GET"}));
  specs.push_back(spec("/v3/profitsharing/orders/unfreeze", kT, {"POST"}));
  specs.push_back(spec("/v3/profitsharing/transactions/{transaction_id}/amounts", kT, {"GET"}));
  specs.push_back(spec("/v3/profitsharing/receivers/add", kT, {"POST"}));
  specs.push_back(spec("/v3/profitsharing/receivers/delete", kT, {"POST"}));
  specs.push_back(spec("/v3/marketing/favor/stocks", kT, {"POST"}));
  specs.push_back(spec("/v3/marketing/favor/stocks/{stock_id}", kT, {"GET"}));
  specs.push_back(spec("/v3/marketing/favor/users/{openid}/coupons/{coupon_id}", kT, {"GET"}));
  specs.push_back(spec("/v3/transfer/batches", kT, {"POST"}));
  specs.push_back(spec("/v3/transfer/batches/batch-id/{batch_id}", kT, {"GET"}));
  specs.push_back(spec("/v3/transfer/batches/out-batch-no/{out_batch_no}", kT, {"GET"}));
  specs.push_back(
      spec("/notify/pay", kT, {"POST"}, {"*.pay.example.com"}, {{"Wechatpay-Serial", "", true}}));
  specs.push_back(spec("/notify/refund", kT, {"POST"}, {"*.pay.example.com"},
                       {{"Wechatpay-Serial", "", true}}));
  specs.push_back(spec("/v3/bill/", kP));
  specs.push_back(spec("/v3/marketing/", kP));
  specs.push_back(spec("/v3/merchants/{mchid}/", kP));
  specs.push_back(spec("/v3/", kP, {}, {"api.mch.weixin.qq.com"}));
  specs.push_back(spec("/v3/merchant-service/complaints-v2/[0-9]+(/.*)?", kR));
  specs.push_back(
      spec("/v3/applyment4sub/applyment/(business_code|applyment_id)/[A-Za-z0-9_-]+", kR));
  specs.push_back(spec("/v3/ecommerce/.*", kR, {"GET", "POST"}));
  return specs;
}

struct Case {
  const char* method;
  const char* path;
};

// A mix weighted towards the calls merchants make most: create, query, close, refund.
constexpr Case kCases[] = {
    {"POST", "/v3/pay/transactions/jsapi"},
    {"GET", "/v3/pay/transactions/id/4200000985202103031441826014"},
    {"GET", "/v3/pay/transactions/out-trade-no/1217752501201407033233368018"},
    {"POST", "/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close"},
    {"POST", "/v3/refund/domestic/refunds"},
    {"GET", "/v3/refund/domestic/refunds/1217752501201407033233368018"},
    {"GET", "/v3/bill/tradebill"},
    {"GET", "/v3/bill/other/thing"},
    {"GET", "/v3/merchants/1900000109/settings"},
    {"GET", "/v3/merchant-service/complaints-v2/200000020220101/negotiation-historys"},
    {"GET", "/v3/unknown/path/404"},
};

const RouteTable& table() {
  static const auto built = [] {
    std::vector<paygate::router::BuildError> errors;
    auto table = RouteTable::build(wechatpay_routes(), errors);
    if (!table) std::abort();
    return table;
  }();
  return *built;
}

Request request_for(const Case& c) {
  return Request{c.method, "api.mch.weixin.qq.com", c.path, {}};
}

void BM_RouteTableMatchMix(benchmark::State& state) {
  const RouteTable& routes = table();
  Match match;
  std::size_t i = 0;
  for (auto _ : state) {
    const Case& c = kCases[i++ % std::size(kCases)];
    benchmark::DoNotOptimize(routes.match(request_for(c), match));
    benchmark::DoNotOptimize(match);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteTableMatchMix);

void BM_RouteTableMatchOne(benchmark::State& state) {
  const RouteTable& routes = table();
  const Case& c = kCases[static_cast<std::size_t>(state.range(0))];
  state.SetLabel(c.path);
  Match match;
  for (auto _ : state) {
    benchmark::DoNotOptimize(routes.match(request_for(c), match));
    benchmark::DoNotOptimize(match);
  }
}
BENCHMARK(BM_RouteTableMatchOne)->DenseRange(0, std::size(kCases) - 1);

// Reference: compare the path with every configured pattern string, no captures, no conditions.
void BM_LinearScanReference(benchmark::State& state) {
  std::vector<std::string> patterns;
  for (const RouteSpec& spec : table().specs()) patterns.push_back(spec.pattern);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string_view path = kCases[i++ % std::size(kCases)].path;
    std::size_t found = patterns.size();
    for (std::size_t p = 0; p < patterns.size(); ++p) {
      if (patterns[p] == path) {
        found = p;
        break;
      }
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LinearScanReference);

}  // namespace

BENCHMARK_MAIN();
