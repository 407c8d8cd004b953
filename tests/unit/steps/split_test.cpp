// Split: where keys land on the hash line (evenly, the same in every process), which version a
// point of the line gets for static weights and for a canary's share, and that a request is
// placed by its sticky key: the verified mchid, a header, or the client address.
#include "steps/split.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "steps/pipeline.h"
#include "support/in_memory_downstream.h"
#include "support/pipeline_handler.h"

namespace paygate::steps {
namespace {

namespace asio = boost::asio;
using test_support::InMemoryDownstream;
using test_support::PipelineHandler;
using ::testing::Each;
using ::testing::ElementsAre;

proxy::Split split_of(std::vector<unsigned> weights) {
  proxy::Split split;
  for (unsigned weight : weights) {
    split.clusters.push_back({std::to_string(split.clusters.size()), 0, weight, ""});
  }
  return split;
}

std::vector<VersionChoice> choices(std::vector<std::string_view> versions) {
  std::vector<VersionChoice> out;
  for (std::string_view version : versions) out.push_back({{}, version, nullptr, nullptr});
  return out;
}

TEST(SplitPoint, IsFixedByTheKeyAlone) {
  // A constant, so any node and any release agree (a change here moves merchants between
  // versions on upgrade): the same computation in Python gives these.
  EXPECT_EQ(split_point("1900000109"), 2193u);
  EXPECT_EQ(split_point("1900000110"), 281u);
  EXPECT_NE(split_point("1900000109"), split_point("1900000110"));
  EXPECT_EQ(split_point(""), 9367u);
}

TEST(SplitPoint, SpreadsMerchantIdsEvenly) {
  std::array<int, 10> tenths{};
  constexpr int kKeys = 100'000;
  for (int i = 0; i < kKeys; ++i) {
    ++tenths[split_point(std::to_string(1'900'000'000 + i)) * 10 / kSplitPoints];
  }
  // 10,000 expected per tenth; a binomial standard deviation is 95, so 5 % is > 5 sigma.
  EXPECT_THAT(tenths, Each(::testing::AllOf(::testing::Gt(9'500), ::testing::Lt(10'500))));
}

TEST(Split, StaticWeightsOwnTheirShareOfTheLineInOrder) {
  const Split split(split_of({95, 5}), choices({"v1", "v2"}));
  EXPECT_EQ(split.choose(0), 0u);
  EXPECT_EQ(split.choose(9'499), 0u);
  EXPECT_EQ(split.choose(9'500), 1u);
  EXPECT_EQ(split.choose(kSplitPoints - 1), 1u);
}

TEST(Split, AZeroWeightIsNeverChosen) {
  const Split split(split_of({1, 0, 1}), choices({"a", "b", "c"}));
  for (std::uint32_t point = 0; point < kSplitPoints; ++point) EXPECT_NE(split.choose(point), 1u);
}

TEST(Split, ACanaryOwnsTheLowEndSoItsMerchantsStayAsItGrows) {
  std::atomic<std::uint32_t> share{0};
  const Split split(split_of({1, 1}), choices({"base", "canary"}), share);
  std::vector<std::uint32_t> on_canary;
  for (std::uint32_t points : {0u, 100u, 500u, 2'000u, 5'000u, 10'000u}) {
    share = points;
    std::vector<std::uint32_t> now;
    for (std::uint32_t p = 0; p < kSplitPoints; p += 7) {
      if (split.choose(p) == 1) now.push_back(p);
    }
    for (std::uint32_t p : on_canary) EXPECT_EQ(split.choose(p), 1u) << "left the canary: " << p;
    EXPECT_EQ(now.size(), (points + 6) / 7);
    on_canary = now;
  }
}

// The route's action: notes the version the split chose.
class Chosen final : public RequestStep {
 public:
  std::vector<std::string_view> versions;
  asio::awaitable<Next> on_request(http::Exchange& ex, RequestContext& context) override {
    versions.push_back(context.choice ? context.choice->version : "none");
    co_await answer(ex, context, 200, "text/plain", "ok");
    co_return Next::kAnswered;
  }
};

class SplitRequestTest : public ::testing::Test {
 protected:
  ~SplitRequestTest() override {
    downstream_.close_all();
    downstream_.run_until([this] { return downstream_.ended == downstream_.started; });
  }

  // Sends each request on a new connection and returns the versions chosen.
  std::vector<std::string_view> send(const proxy::Split& settings,
                                     const std::vector<std::string>& requests) {
    Split split(settings, choices({"v1", "v2"}));
    route_.request_steps = {&split, &chosen_};
    for (const std::string& request : requests) {
      downstream_.connect(request);
      const int until = handler_.handled + 1;
      downstream_.run_until([&] { return handler_.handled >= until; });
    }
    return chosen_.versions;
  }

  static std::string get_with(std::string_view field) {
    std::string request = "GET /v3/pay/transactions/id/1 HTTP/1.1\r\nHost: pay.test\r\n";
    return request.append(field).append("\r\n");
  }

  RoutePipeline route_;
  Chosen chosen_;
  PipelineHandler handler_{route_};
  asio::io_context io_;
  InMemoryDownstream downstream_{io_, handler_};
};

// Ten keys whose points fall on both sides of a 50/50 line.
TEST_F(SplitRequestTest, AHeaderKeyPlacesEveryRequestOfItOnOneVersion) {
  proxy::Split settings = split_of({50, 50});
  settings.sticky = proxy::StickyBy::kHeader;
  settings.sticky_header = "X-Openid";
  std::vector<std::string> requests;
  std::vector<std::string_view> expected;
  for (const std::string key : {"o-1", "o-2", "o-3", "o-4", "o-5", "o-1", "o-2", "o-3"}) {
    requests.push_back(get_with(std::string("X-Openid: ").append(key).append("\r\n")));
    expected.push_back(split_point(key) < kSplitPoints / 2 ? "v1" : "v2");
  }
  const auto versions = send(settings, requests);
  EXPECT_EQ(versions, expected);
  EXPECT_EQ(versions[0], versions[5]);
}

TEST_F(SplitRequestTest, WithoutTheKeyTheClientAddressDecides) {
  proxy::Split settings = split_of({50, 50});
  settings.sticky = proxy::StickyBy::kHeader;
  settings.sticky_header = "X-Openid";
  // No X-Openid and no verified merchant: every request is the same client.
  const auto versions = send(settings, {get_with(""), get_with(""), get_with("X-Other: 1\r\n")});
  EXPECT_THAT(versions, ElementsAre(versions[0], versions[0], versions[0]));
}

}  // namespace
}  // namespace paygate::steps
