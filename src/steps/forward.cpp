#include "steps/forward.h"

#include "steps/pipeline.h"
#include "steps/split.h"

namespace paygate::steps {

boost::asio::awaitable<Next> Forward::on_request(http::Exchange& ex, RequestContext& context) {
  const auto started = http::Clock::now();
  const proxy::ForwardTarget& target = context.choice ? context.choice->target : target_;
  const proxy::Outcome outcome = mode_ == Mode::kRelay
                                     ? co_await forwarder_.relay(ex, target, context.mchid())
                                     : co_await fetch_and_send(ex, target, context);
  // Once bytes of the response went out, a failure can only close the connection.
  if (auto reply = proxy::failure_reply(outcome); reply && ex.bytes_out() == 0) {
    co_await answer_error(ex, context, reply->kind, reply->message);
  }
  context.upstream = outcome;
  context.upstream_elapsed = http::Clock::now() - started;
  co_return Next::kAnswered;
}

boost::asio::awaitable<proxy::Outcome> Forward::fetch_and_send(http::Exchange& ex,
                                                               const proxy::ForwardTarget& target,
                                                               const RequestContext& context) {
  const proxy::Outcome outcome = co_await forwarder_.fetch(ex, target, context.mchid());
  if (outcome != proxy::Outcome::kOk) co_return outcome;
  apply_response_steps(ex, context, ex.status(), ex.scratch().body, ex.out());
  co_return co_await proxy::Forwarder::send_fetched(ex);
}

}  // namespace paygate::steps
