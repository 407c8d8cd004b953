#include "steps/degrade.h"

#include <algorithm>
#include <cstdint>

#include "http/wire.h"
#include "steps/pipeline.h"

namespace paygate::steps {

namespace {
// The access log's reason for an answer of a degraded route.
constexpr std::string_view kDegraded = "degraded";
}  // namespace

Degrade::Degrade(const observe::DegradeSwitch& degrade, const Degradable& settings,
                 observe::Counter* degraded, std::chrono::seconds retry_after)
    : degrade_(degrade), settings_(settings), degraded_(degraded) {
  retry_after_field_ = "Retry-After: ";
  http::append_decimal(retry_after_field_,
                       static_cast<std::uint64_t>(std::max<std::int64_t>(1, retry_after.count())));
  retry_after_field_ += "\r\n";
}

boost::asio::awaitable<Next> Degrade::on_request(http::Exchange& ex, RequestContext& context) {
  if (!degrade_.active()) co_return Next::kContinue;
  degraded_->inc();
  context.refusal = kDegraded;
  if (settings_.respond) {
    const DirectResponse& fallback = *settings_.respond;
    co_await answer(ex, context, fallback.status, fallback.content_type, fallback.body);
    co_return Next::kAnswered;
  }
  ex.scratch().reply_fields.append(retry_after_field_);
  co_await answer_error(ex, context, core::ErrorKind::kUnavailable,
                        "this route is shed while the gateway protects its core routes, retry "
                        "later");
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
