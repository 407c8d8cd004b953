#pragma once
// HostMatcher: does a request's Host header name one of a route's configured hosts?
// Compiled once at build; matches() is const, allocation-free and safe from any thread.
// Comparison is ASCII case-insensitive, with the port (":8080", or after "]" for IPv6) and one
// trailing dot stripped from both sides. "*.example.com" matches "a.example.com" and
// "a.b.example.com" but not "example.com". No configured host means any host.

#include <string>
#include <string_view>
#include <vector>

#include "router/compiled.h"

namespace paygate::router {

// "Pay.Example.com:443" -> "Pay.Example.com"; "[::1]:80" -> "[::1]"; "a.com." -> "a.com".
std::string_view strip_port(std::string_view host);

class HostMatcher {
 public:
  // Rejects an empty host, a '*' anywhere but a leading "*.", and bytes that cannot be in a host.
  static Compiled<HostMatcher> compile(const std::vector<std::string>& hosts);

  bool empty() const { return exact_.empty() && suffixes_.empty(); }
  bool matches(std::string_view host_header) const;

  // Same configured set, ignoring order, case and ports (for conflict detection).
  bool operator==(const HostMatcher&) const = default;

 private:
  std::vector<std::string> exact_;     // lower case, sorted, unique
  std::vector<std::string> suffixes_;  // ".example.com" for "*.example.com"; sorted, unique
};

}  // namespace paygate::router
