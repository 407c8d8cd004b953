#pragma once
// The request pipeline: a route compiled into the steps it runs (steps/step.h), and the two
// things every step needs: running the request steps in order, and answering through the
// route's response steps.
//
//   route matched -> request steps, in order, until one answers (the last always does)
//                 -> each whole response passes the response steps on its way out
//
// RoutePipelines are built by the worker when it adopts a configuration snapshot
// (app/route_pipelines.h) and borrowed by each request for its whole life. Worker-thread
// confined.

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "http/exchange.h"
#include "steps/context.h"
#include "steps/step.h"

namespace paygate::steps {

struct RouteMetrics;     // steps/request_metrics.h
struct UpstreamMetrics;  // steps/request_metrics.h

struct RoutePipeline {
  std::string_view name;  // the configured route name (access log); "" when no route matched
  std::vector<RequestStep*> request_steps;    // in order; the last one answers
  std::vector<ResponseStep*> response_steps;  // applied to every whole response, in order
  std::vector<ReplyCheck*> reply_checks;      // on every upstream answer, before those
  RouteMetrics* metrics = nullptr;            // this worker's request metrics of the route
  UpstreamMetrics* upstream = nullptr;        // of its cluster, for routes that forward
};

// Runs context.route's request steps in order until one answers. Answers 500 itself should none
// (a route always ends in a step that answers, so that is a bug, not a peer's doing).
boost::asio::awaitable<void> run_pipeline(http::Exchange& exchange, RequestContext& context);

// What the route's response steps add to a response of `status` with this whole `body`.
void apply_response_steps(const http::Exchange& exchange, const RequestContext& context, int status,
                          std::string_view body, std::string& fields);

// An answer of the gateway's own, through the route's response steps. A step that adds header
// fields of its own (Retry-After) appends them to exchange.scratch().reply_fields first; the
// response steps' fields follow them. False when the client is gone.
boost::asio::awaitable<bool> answer(http::Exchange& exchange, const RequestContext& context,
                                    int status, std::string_view content_type,
                                    std::string_view body);
// The same with the WeChat Pay JSON error of `kind` ({"code","message"}, its HTTP status).
boost::asio::awaitable<bool> answer_error(http::Exchange& exchange, const RequestContext& context,
                                          core::ErrorKind kind, std::string_view message);

}  // namespace paygate::steps
