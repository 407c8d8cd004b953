#pragma once
// AccessRecord: what the access log says about one finished request. The views belong to the
// caller and need to stay valid only during AccessLog::write().

#include <chrono>
#include <cstdint>
#include <string_view>

namespace paygate::observe {

struct AccessRecord {
  std::chrono::system_clock::time_point time;  // when the request started
  std::string_view request_id;
  std::string_view trace_id;  // W3C trace id (32 hex), shared with the upstream and notifications
  std::string_view method;
  std::string_view path;      // without the query: it may carry merchant data
  std::string_view route;     // route name, "" when none matched
  std::string_view upstream;  // "host:port" of the last try, "" when not proxied
  int status = 0;
  std::uint64_t bytes_in = 0;   // request body bytes
  std::uint64_t bytes_out = 0;  // response body bytes
  std::chrono::microseconds duration{0};
  // Why the gateway refused the request itself (a metric reason such as "unknown_merchant"),
  // "" when it did not; the client's error message may say less (steps/merchant_auth.h).
  std::string_view reason;
  std::string_view protocol = "http/1.1";  // "http/1.1" or "h2"
  bool early = false;  // the request came in TLS 1.3 early data (http::Exchange::early())
  std::string_view version;  // the version a split route chose, "" on other routes
  std::string_view fault;  // faults injected for a drill: "delay", "abort", "delay+abort" or ""
  bool stress = false;     // stress traffic (steps/stress_route.h): logged as "env":"stress"
  std::string_view app;    // the merchant role's calling app (steps/authenticate_app.h), or ""
  unsigned tries = 0;      // upstream tries (retries included); written when more than one
};

}  // namespace paygate::observe
