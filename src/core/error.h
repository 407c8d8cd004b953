#pragma once
// Error: a problem caused by a peer (client, upstream, file, merchant) carried as a value.
// It travels up to one place that maps it to the WeChat Pay JSON error (http/error_response.h).
// Broken invariants are asserts, not Errors.

#include <string>
#include <string_view>

namespace paygate::core {

enum class ErrorKind {
  kBadRequest,           // 400 PARAM_ERROR / INVALID_REQUEST
  kUnauthorized,         // 401 SIGN_ERROR
  kForbidden,            // 403 NO_AUTH
  kNotFound,             // 404 no route / RESOURCE_NOT_EXISTS
  kMethodNotAllowed,     // 405
  kTimeout,              // 408 on the downstream side
  kPayloadTooLarge,      // 413
  kExpectationFailed,    // 417 an Expect other than 100-continue
  kUriTooLong,           // 414
  kUnprocessable,        // 422
  kTooEarly,             // 425 sent in TLS early data and not safe to replay (RFC 8470)
  kRateLimited,          // 429 FREQUENCY_LIMITED
  kHeaderTooLarge,       // 431
  kInternal,             // 500 SYSTEM_ERROR
  kNotImplemented,       // 501 a method token paygate does not know
  kBadGateway,           // 502 upstream refused, reset or spoke nonsense
  kUnavailable,          // 503 overload, draining, no healthy endpoint
  kOverloaded,           // 503 SYSTEM_ERROR: shed by a cluster's concurrency limit
  kGatewayTimeout,       // 504 upstream too slow
  kVersionNotSupported,  // 505 an HTTP version other than 1.0 and 1.1
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string detail;  // human-readable, never secret material
};

// The HTTP status and the WeChat Pay error code for a kind.
int http_status(ErrorKind kind);
std::string_view wechatpay_code(ErrorKind kind);

}  // namespace paygate::core
