#pragma once
// Settings of the per-route steps: which steps a route runs. Plain data with defaults; config/
// fills and validates them. The key material the steps use is credentials/settings.h.

#include <cstddef>
#include <cstdint>
#include <string>

#include "proxy/settings.h"

namespace paygate::steps {

// routes[].early_data: what a request that came in TLS 1.3 early data (a possible replay) may
// do on the route; the others get 425 Too Early and send it again after the handshake.
enum class EarlyData : std::uint8_t {
  kSafe,    // only GET, HEAD and OPTIONS without a body are served
  kRefuse,  // none is (always so on a route that verifies a merchant's signature)
};

// routes[].priority: which routes give way first when the gateway is overloaded (shedding) or a
// core route's SLO burns (degrade). The forwarder's limiter needs it, so proxy/ declares it.
using Priority = proxy::Priority;

// Which steps a route runs (config::Route::steps).
struct RouteSteps {
  bool verify_merchant = false;  // check the merchant's Authorization and reject replays
  bool sign_platform = false;    // sign the reply with the platform key (Wechatpay-* headers)
  EarlyData early_data = EarlyData::kSafe;
  Priority priority = Priority::kNormal;
};

// respond: what a route answers by itself instead of forwarding (steps/respond.h).
struct DirectResponse {
  int status = 200;                               // 200 to 599, neither 204 nor 304
  std::string body;                               // sent as written, at most kMaxBodyBytes
  std::string content_type = "application/json";  // a field value: visible ASCII and spaces

  static constexpr std::size_t kMaxBodyBytes = 64 * 1024;
};

}  // namespace paygate::steps
