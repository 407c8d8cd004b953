#pragma once
// Settings of the per-route steps: which steps a route runs. Plain data with defaults; config/
// fills and validates them. The key material the steps use is credentials/settings.h.

namespace paygate::steps {

// Which steps a route runs (config::Route::steps).
struct RouteSteps {
  bool verify_merchant = false;  // check the merchant's Authorization and reject replays
  bool sign_platform = false;    // sign the reply with the platform key (Wechatpay-* headers)
};

}  // namespace paygate::steps
