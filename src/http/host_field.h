#pragma once
// is_valid_host: whether a Host field value is exactly `uri-host [ ":" port ]` (RFC 9110 section
// 7.2, RFC 3986 section 3.2.2). Routing and the backend both read this value, so anything they
// could read differently is refused rather than repaired:
//   - reg-name: unreserved and sub-delims only; no percent-encoding (a Host that matches a route
//     only once decoded is ambiguous), no userinfo ('@'), no spaces or control characters;
//   - IP-literal: "[" IPv6address "]" (no zone id, no IPvFuture);
//   - port: 1 to 5 digits, 1 to 65535, never empty after the ':'.
// An empty value is valid (RFC 9112 section 3.2: a target without authority). Pure function.

#include <string_view>

namespace paygate::http {

bool is_valid_host(std::string_view value);

}  // namespace paygate::http
