#pragma once
// Request: what a mockpay handler sees of one call, after routing. Views into the caller's
// strings and the router's captures; valid only during MockPay::handle.

#include <string_view>

#include "mockpay/path_match.h"
#include "mockpay/time_text.h"

namespace paygate::mockpay {

struct Request {
  std::string_view body;
  std::string_view mchid_header;  // the gateway-verified merchant (X-Pay-Mchid); may be empty
  const Params& path;             // captures of the route's "{name}" segments
  const Params& query;
  TimePoint now;
};

}  // namespace paygate::mockpay
