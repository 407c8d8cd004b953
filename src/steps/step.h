#pragma once
// The kinds of step a route runs (docs/architecture.md, "The life of a request"):
//   RequestStep   before the answer: checks, admits or enriches the request, or answers it
//                 itself. A route's last request step is its action (forward to the cluster,
//                 or an answer of the gateway's own) and always answers.
//   ResponseStep  on every whole response of the route, upstream answers and the gateway's own
//                 alike: adds header fields computed from the status and body (the platform
//                 signature). A route with response steps reads upstream bodies whole.
//   ReplyCheck    on every upstream answer, read whole, before the response steps: accepts it
//                 or refuses it, and the gateway answers 502 in its place (the merchant role's
//                 check of the platform's signature). A route with checks reads bodies whole.
// A step is a small class with one job; a new step is a new class here plus one config key and
// one line where routes are compiled (app/route_pipelines.cpp), not a branch in a handler.
// Steps are built per worker and configuration snapshot, so a step may keep worker-confined
// state such as an OpenSSL context; they run on that worker's thread only.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "http/exchange.h"
#include "steps/context.h"

namespace paygate::steps {

// What a request step did with the request.
enum class Next {
  kContinue,  // nothing to say: the next step runs
  kAnswered,  // the step answered the request (or the client is gone): no other step runs
};

class RequestStep {
 public:
  virtual ~RequestStep() = default;
  virtual boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                                  RequestContext& context) = 0;
};

class ResponseStep {
 public:
  virtual ~ResponseStep() = default;
  // Appends complete header lines ("Name: value\r\n") to `fields` for a response of `status`
  // whose whole body is `body`. Runs to completion without suspending.
  virtual void on_response(const http::Exchange& exchange, const RequestContext& context,
                           int status, std::string_view body, std::string& fields) = 0;
};

class ReplyCheck {
 public:
  virtual ~ReplyCheck() = default;
  // Empty when the upstream's answer of `status` whose whole body is `body` (its head is
  // exchange.scratch().response_head) is accepted; else why not, the message of the 502 that
  // replaces it. Runs to completion without suspending.
  virtual std::string_view check(const http::Exchange& exchange, const RequestContext& context,
                                 int status, std::string_view body) = 0;
};

}  // namespace paygate::steps
