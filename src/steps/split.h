#pragma once
// Split: a route that sends to several clusters by weight (routes[].split) chooses one for each
// request before Forward runs, and says which in the context: Forward sends there, with the
// version's name as X-Pay-Gateway-Version, and the request's metrics and access-log line carry
// the version.
//
// The choice sticks to a key (the verified mchid by default, or a header, or the client
// address): the key is hashed onto [0, 10000) basis points with a hash that is the same in every
// process, and each version owns a range of that line in configured order. So a merchant's
// order, query and close land on the same version on every node, as long as the weights stay.
// A canary (a baseline and a canary cluster, the canary's share set at run time) owns the low
// end of the line: as its share grows, the merchants already on it stay there.
//
// Header conditions on routes keep precedence: a route matching X-Pay-Gateway-Version: v2 is
// more specific than the split route on the same path, so coloured traffic never reaches the
// split (router/route_table.h).

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/forwarder.h"
#include "proxy/settings.h"
#include "steps/step.h"

namespace paygate::steps {

struct VersionMetrics;   // steps/request_metrics.h
struct UpstreamMetrics;  // steps/request_metrics.h

// One version a split may choose: where it forwards, what it is called, where it is counted.
struct VersionChoice {
  proxy::ForwardTarget target;
  std::string_view version;
  VersionMetrics* metrics = nullptr;
  UpstreamMetrics* upstream = nullptr;
};

// The basis points of the hash line, and the key hash that places a request on it.
inline constexpr std::uint32_t kSplitPoints = 10'000;
std::uint32_t split_point(std::string_view key);

class Split final : public RequestStep {
 public:
  // A static split: choices[i] owns weights[i] / sum(weights) of the line, in order.
  Split(const proxy::Split& settings, std::vector<VersionChoice> choices);
  // A canary: choices are {baseline, canary}; the canary owns [0, *canary_points) of the line.
  // canary_points outlives the step (it belongs to the canary's controller).
  Split(const proxy::Split& settings, std::vector<VersionChoice> choices,
        const std::atomic<std::uint32_t>& canary_points);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

  // Which choice a request at `point` of the line gets (exposed for tests).
  std::size_t choose(std::uint32_t point) const;

 private:
  std::string_view key_of(const http::Exchange& exchange, const RequestContext& context) const;

  proxy::StickyBy sticky_;
  std::string sticky_header_;
  std::vector<VersionChoice> choices_;
  std::vector<std::uint32_t> ends_;  // static: where each choice's range ends on the line
  const std::atomic<std::uint32_t>* canary_points_ = nullptr;
};

}  // namespace paygate::steps
