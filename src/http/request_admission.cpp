#include "http/request_admission.h"

#include <boost/beast/http/error.hpp>

#include "http/error_response.h"
#include "http/path_normaliser.h"
#include "http/wire.h"
#include "observe/metric_names.h"

namespace paygate::http {

namespace names = observe::names;

Refusal RequestAdmission::scan_failure(HeadVerdict verdict) {
  switch (verdict) {
    case HeadVerdict::kStartLineTooLong:
      return {core::ErrorKind::kUriTooLong, "request line too long", names::kRejectUriTooLong, {}};
    case HeadVerdict::kUnsupportedVersion:
      return {
          core::ErrorKind::kVersionNotSupported, to_string(verdict), names::kRejectHttpVersion, {}};
    case HeadVerdict::kHeaderTooLarge:
    case HeadVerdict::kTooManyFields:
      return {
          core::ErrorKind::kHeaderTooLarge, to_string(verdict), names::kRejectHeaderTooLarge, {}};
    default:
      return {core::ErrorKind::kBadRequest, to_string(verdict), names::kRejectBadRequest, {}};
  }
}

std::optional<Refusal> RequestAdmission::admit(RequestHead& head, const ServerLimits& limits,
                                               Exchange& exchange) {
  if (const PathVerdict path = normalise_request_path(head, limits.path); path_refused(path)) {
    return Refusal{core::ErrorKind::kBadRequest, to_string(path), names::kRejectBadPath, {}};
  }
  if (auto supplied = head.fields.find("X-Request-Id"); !supplied.empty()) {
    exchange.request_id_.assign(supplied);
  } else {
    exchange.request_id_.generate();
  }
  core::TraceContext& trace = exchange.trace_;
  if (limits.trace && !trace.continue_from(head.fields.find("traceparent")) &&
      !trace.adopt_trace_id(head.fields.find("X-Trace-ID"))) {
    trace.start();
  }
  return check_method(head, limits);
}

std::optional<Refusal> RequestAdmission::check_method(const RequestHead& head,
                                                      const ServerLimits& limits) {
  if (head.method == Verb::unknown) {
    return Refusal{core::ErrorKind::kNotImplemented,
                   "unknown request method",
                   names::kRejectUnknownMethod,
                   {}};
  }
  if (limits.methods.contains(head.method)) return std::nullopt;
  return Refusal{core::ErrorKind::kMethodNotAllowed, "request method not allowed",
                 names::kRejectMethodNotAllowed, limits.methods.allow()};
}

Refusal RequestAdmission::parse_failure(const boost::beast::error_code& ec,
                                        const RequestParser* parser, const RequestHead& head,
                                        const ServerLimits& limits) {
  if (ec == boost::beast::http::error::body_limit) {
    return {core::ErrorKind::kPayloadTooLarge,
            "request body too large",
            names::kRejectBodyTooLarge,
            {}};
  }
  // A method the listener refuses is the answer even when more is wrong (CONNECT's
  // authority-form target): 405 says more than 400.
  if (head.method != Verb::unknown && !limits.methods.contains(head.method)) {
    return *check_method(head, limits);
  }
  if (parser && parser->expectation_failed()) {
    return {core::ErrorKind::kExpectationFailed, parser->violation(), names::kRejectBadRequest, {}};
  }
  if (parser && !parser->violation().empty()) {
    return {core::ErrorKind::kBadRequest, parser->violation(), names::kRejectBadRequest, {}};
  }
  thread_local std::string message;
  message.assign("malformed request: ").append(ec.message());
  return {core::ErrorKind::kBadRequest, message, names::kRejectBadRequest, {}};
}

void RequestAdmission::write(const Refusal& refusal, Verb method, Exchange& exchange,
                             std::string& out) {
  if (exchange.request_id().empty()) exchange.request_id_.generate();
  ExchangeScratch& scratch = exchange.scratch();
  std::string& body = scratch.reply_body;
  body.clear();
  append_error_body(body, core::wechatpay_code(refusal.kind), refusal.message);
  std::string& fields = scratch.reply_fields;
  fields.clear();
  if (!refusal.allow.empty()) append_field(fields, "Allow", refusal.allow);
  out.clear();
  const int status = core::http_status(refusal.kind);
  append_response_head(out, status, "application/json", body.size(), exchange.request_id(), true,
                       fields);
  if (method != Verb::head) out.append(body);
  fields.clear();
  exchange.status_ = status;
}

}  // namespace paygate::http
