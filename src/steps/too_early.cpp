#include "steps/too_early.h"

#include "steps/pipeline.h"

namespace paygate::steps {

namespace {
// The access log's refusal, like the metric's label.
constexpr std::string_view kTooEarly = "too_early";
}  // namespace

bool replay_safe(const http::Exchange& ex) {
  const http::Verb method = ex.request().method;
  const bool safe =
      method == http::Verb::get || method == http::Verb::head || method == http::Verb::options;
  return safe && ex.body().empty();
}

boost::asio::awaitable<Next> TooEarly::on_request(http::Exchange& ex, RequestContext& context) {
  if (!ex.early()) co_return Next::kContinue;
  if (policy_ == EarlyData::kSafe && replay_safe(ex)) co_return Next::kContinue;
  metrics_.count_too_early();
  context.refusal = kTooEarly;
  co_await answer_error(ex, context, core::ErrorKind::kTooEarly,
                        policy_ == EarlyData::kRefuse
                            ? "this route takes no request sent in TLS early data; send it "
                              "again once the handshake is complete"
                            : "only GET, HEAD and OPTIONS without a body are served from TLS "
                              "early data; send it again once the handshake is complete");
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
