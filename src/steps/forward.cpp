#include "steps/forward.h"

#include "steps/pipeline.h"
#include "steps/split.h"

namespace paygate::steps {

boost::asio::awaitable<Next> Forward::on_request(http::Exchange& ex, RequestContext& context) {
  const proxy::ForwardTarget& chosen = context.choice ? context.choice->target : target_;
  // A request its business key makes safe to send twice is retried like an idempotent one.
  const bool widen = context.retry_safe && !chosen.idempotent;
  proxy::ForwardTarget widened;
  if (widen) {
    widened = chosen;
    widened.idempotent = true;
  }
  const proxy::ForwardTarget& target = widen ? widened : chosen;
  // The limit of the cluster the request actually goes to (after a Split, the one it chose).
  proxy::ConcurrencyLimiter& limiter = target.state->limiter();
  proxy::ConcurrencyLimiter::Permit permit;
  if (!limiter.try_acquire(target.priority, permit)) {
    const proxy::Admission admission = co_await limiter.acquire(target.priority, permit);
    if (admission != proxy::Admission::kAdmitted) {
      co_await answer_shed(ex, context, target.priority, admission);
      co_return Next::kAnswered;
    }
  }
  const auto started = http::Clock::now();
  proxy::TrySigner* signer = context.signing.active() ? &context.signing : nullptr;
  const proxy::Outcome outcome =
      mode_ == Mode::kRelay
          ? co_await forwarder_.relay(ex, target, context.mchid(), signer, context.body_check.get())
          : co_await fetch_and_send(ex, target, context);
  permit.finish(outcome == proxy::Outcome::kOk);
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
                                                               RequestContext& context) {
  proxy::TrySigner* signer = context.signing.active() ? &context.signing : nullptr;
  const proxy::Outcome outcome = co_await forwarder_.fetch(ex, target, context.mchid(), signer);
  if (outcome != proxy::Outcome::kOk) co_return outcome;
  for (ReplyCheck* check : context.route->reply_checks) {
    const std::string_view refused = check->check(ex, context, ex.status(), ex.scratch().body);
    if (refused.empty()) continue;
    // The upstream's answer never reaches the client: the gateway's own 502 replaces it.
    co_await answer_error(ex, context, core::ErrorKind::kBadGateway, refused);
    co_return proxy::Outcome::kBadResponse;
  }
  apply_response_steps(ex, context, ex.status(), ex.scratch().body, ex.out());
  co_return co_await proxy::Forwarder::send_fetched(ex);
}

// Counted before the answer goes out, so the counter has moved when the client reads it. A
// second is long enough for the limit to have moved and short for a payment; WeChat Pay
// clients retry SYSTEM_ERROR with the same request.
boost::asio::awaitable<void> Forward::answer_shed(http::Exchange& ex, const RequestContext& context,
                                                  proxy::Priority priority,
                                                  proxy::Admission reason) {
  metrics_.count_shed(*context.route->metrics, priority, reason);
  ex.scratch().reply_fields.append("Retry-After: 1\r\n");
  co_await answer_error(
      ex, context, core::ErrorKind::kOverloaded,
      reason == proxy::Admission::kDeadline
          ? "the service is busy: no capacity within the queue deadline, retry later"
          : "the service is busy: too many requests waiting, retry later");
}

}  // namespace paygate::steps
