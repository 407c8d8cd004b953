#include "steps/answer_with.h"

#include "steps/pipeline.h"

namespace paygate::steps {

boost::asio::awaitable<Next> AnswerError::on_request(http::Exchange& ex, RequestContext& context) {
  co_await answer_error(ex, context, kind_, message_);
  co_return Next::kAnswered;
}

boost::asio::awaitable<Next> RequireMethod::on_request(http::Exchange& ex,
                                                       RequestContext& context) {
  if (ex.request().method == method_) co_return Next::kContinue;
  co_await answer_error(ex, context, core::ErrorKind::kMethodNotAllowed, message_);
  co_return Next::kAnswered;
}

boost::asio::awaitable<Next> RequireSignedPath::on_request(http::Exchange& ex,
                                                           RequestContext& context) {
  if (!ex.request().path_rewritten()) co_return Next::kContinue;
  co_await answer_error(ex, context, core::ErrorKind::kBadRequest,
                        "the request path is not in normal form; sign and send the normal form");
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
