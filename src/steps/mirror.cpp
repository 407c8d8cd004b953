#include "steps/mirror.h"

#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <cmath>
#include <utility>

#include "core/fast_random.h"

namespace paygate::steps {

namespace {
constexpr std::uint64_t kRandomSpan = std::uint64_t{1} << 53;
}  // namespace

Mirror::Mirror(ShadowTraffic& traffic, ShadowTarget target)
    : traffic_(traffic),
      target_(std::move(target)),
      threshold_(static_cast<std::uint64_t>(
          std::ldexp(std::clamp(target_.settings->percent, 0.0, 100.0) / 100, 53))) {}

bool Mirror::sampled() const {
  return threshold_ >= kRandomSpan || (core::fast_random() >> 11) < threshold_;
}

boost::asio::awaitable<Next> Mirror::on_request(http::Exchange& ex, RequestContext& context) {
  if (target_.settings->methods.contains(ex.request().method) && sampled()) {
    context.shadow =
        traffic_.send_copy(ex, context.mchid(), target_, co_await boost::asio::this_coro::executor);
  }
  co_return Next::kContinue;
}

void CompareWithShadow::on_response(const http::Exchange& ex, const RequestContext& context,
                                    int status, std::string_view body, std::string& fields) {
  (void)fields;  // adds none
  if (context.shadow) traffic_.record_primary(context.shadow, ex, status, body);
}

}  // namespace paygate::steps
