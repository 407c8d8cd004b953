#pragma once
// Request steps that answer with a fixed error of the gateway's own:
//   AnswerError    always: the action of requests no route matches (404).
//   RequireMethod  unless the request uses the one method an endpoint takes (405).
//   RequireSignedPath  when normalising changed the path of a request a merchant signed (400):
//                  the signature covers the path as sent, so forwarding the normal form would
//                  forward a path the merchant did not sign, and forwarding the path as sent
//                  would serve another route than the one the gateway checked.

#include <string_view>

#include "core/error.h"
#include "http/message_head.h"
#include "steps/step.h"

namespace paygate::steps {

class AnswerError final : public RequestStep {
 public:
  // `message` must outlive the step (a literal or the snapshot's).
  AnswerError(core::ErrorKind kind, std::string_view message) : kind_(kind), message_(message) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  core::ErrorKind kind_;
  std::string_view message_;
};

class RequireMethod final : public RequestStep {
 public:
  RequireMethod(http::Verb method, std::string_view message) : method_(method), message_(message) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  http::Verb method_;
  std::string_view message_;
};

class RequireSignedPath final : public RequestStep {
 public:
  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;
};

}  // namespace paygate::steps
