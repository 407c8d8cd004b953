#include "steps/pipeline.h"

#include "http/error_response.h"

namespace paygate::steps {

boost::asio::awaitable<void> run_pipeline(http::Exchange& exchange, RequestContext& context) {
  exchange.scratch().reply_fields.clear();
  for (RequestStep* step : context.route->request_steps) {
    if (co_await step->on_request(exchange, context) == Next::kAnswered) co_return;
  }
  co_await answer_error(exchange, context, core::ErrorKind::kInternal, "no step answered");
}

void apply_response_steps(const http::Exchange& exchange, const RequestContext& context, int status,
                          std::string_view body, std::string& fields) {
  for (ResponseStep* step : context.route->response_steps) {
    step->on_response(exchange, context, status, body, fields);
  }
}

boost::asio::awaitable<bool> answer(http::Exchange& exchange, const RequestContext& context,
                                    int status, std::string_view content_type,
                                    std::string_view body) {
  std::string& fields = exchange.scratch().reply_fields;
  // The answer to HEAD carries no body (http::Exchange::respond), so the response steps see
  // none: a signature covers what the client receives, as on an upstream's answer to HEAD.
  const bool head = exchange.request().method == http::Verb::head;
  apply_response_steps(exchange, context, status, head ? std::string_view{} : body, fields);
  const bool sent = co_await exchange.respond(status, content_type, body, fields);
  fields.clear();
  co_return sent;
}

boost::asio::awaitable<bool> answer_error(http::Exchange& exchange, const RequestContext& context,
                                          core::ErrorKind kind, std::string_view message) {
  std::string& body = exchange.scratch().reply_body;
  body.clear();
  http::append_error_body(body, core::wechatpay_code(kind), message);
  co_return co_await answer(exchange, context, core::http_status(kind), "application/json", body);
}

}  // namespace paygate::steps
