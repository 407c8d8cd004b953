#pragma once
// HeaderMatcher: do a request's headers satisfy every header condition of a route?
// Compiled once at build; matches() is const, allocation-free and safe from any thread.
// A condition holds when some request header has its name (ASCII case-insensitive) and exactly
// its value, or, for present_only, merely has its name. No conditions means any headers.

#include <span>
#include <vector>

#include "core/header_field.h"
#include "router/compiled.h"
#include "router/route_table.h"

namespace paygate::router {

class HeaderMatcher {
 public:
  // Rejects an empty header name or one with bytes that cannot be in an HTTP field name.
  static Compiled<HeaderMatcher> compile(const std::vector<HeaderMatch>& headers);

  bool empty() const { return conditions_.empty(); }
  bool matches(std::span<const core::HeaderField> headers) const;

  // Same configured set, ignoring order and name case (for conflict detection).
  bool operator==(const HeaderMatcher& other) const;

 private:
  std::vector<HeaderMatch> conditions_;  // names lower case, sorted, unique
};

}  // namespace paygate::router
