#pragma once
// Settings of the admin listener: health, readiness, metrics and the running config.

#include <cstdint>
#include <string>

#include "crypto/secret_buffer.h"

namespace paygate::admin {

struct AdminSettings {
  std::string address = "127.0.0.1";  // loopback by default: admin is not for the internet
  std::uint16_t port = 9901;
  bool profiling = false;  // /debug/pprof/* endpoints (admin/profiler.h)
  // The bearer token every admin request must present (Authorization: Bearer ...); "" = none.
  // Required off loopback.
  crypto::SecretBuffer token;
};

}  // namespace paygate::admin
