#pragma once
// Settings of the per-route steps: which steps a route runs. Plain data with defaults; config/
// fills and validates them. The key material the steps use is credentials/settings.h.

#include <cstddef>
#include <string>

namespace paygate::steps {

// Which steps a route runs (config::Route::steps).
struct RouteSteps {
  bool verify_merchant = false;  // check the merchant's Authorization and reject replays
  bool sign_platform = false;    // sign the reply with the platform key (Wechatpay-* headers)
};

// respond: what a route answers by itself instead of forwarding (steps/respond.h).
struct DirectResponse {
  int status = 200;                               // 200 to 599, neither 204 nor 304
  std::string body;                               // sent as written, at most kMaxBodyBytes
  std::string content_type = "application/json";  // a field value: visible ASCII and spaces

  static constexpr std::size_t kMaxBodyBytes = 64 * 1024;
};

}  // namespace paygate::steps
