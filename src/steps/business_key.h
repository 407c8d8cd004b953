#pragma once
// BusinessKey: `routes[].idempotent_by`. A WeChat Pay create or refund call carries the
// merchant's own key for what it creates (out_trade_no, out_refund_no): sent twice, the platform
// answers the second with the first's result instead of creating twice. So a request of such a
// route whose JSON body is an object naming one of the configured members with a non-empty
// string may be retried like an idempotent one, with the same body (the forwarder sends the
// bytes it holds; each try is signed afresh on the merchant role). A body without the key, or
// that is not a JSON object, is forwarded as usual and never retried. Marks the request in
// context.retry_safe; never answers.

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <string>
#include <vector>

#include "steps/step.h"

namespace paygate::steps {

class BusinessKey final : public RequestStep {
 public:
  explicit BusinessKey(std::vector<std::string> members);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

  // Whether `body` is a JSON object naming one of `members` with a non-empty string.
  bool names_a_key(std::string_view body);

 private:
  std::vector<std::string> members_;
  boost::json::parser parser_;  // reused: its buffers stay warm from one request to the next
};

}  // namespace paygate::steps
