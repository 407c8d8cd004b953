#include "steps/respond.h"

#include "steps/pipeline.h"

namespace paygate::steps {

boost::asio::awaitable<Next> Respond::on_request(http::Exchange& ex, RequestContext& context) {
  co_await answer(ex, context, response_.status, response_.content_type, response_.body);
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
