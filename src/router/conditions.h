#pragma once
// Conditions: everything a route requires of a request besides its path: methods (exact, upper
// case), hosts (see host_match.h) and headers (see header_match.h). An empty list is no
// condition. Compiled once at build; holds() is const, allocation-free and safe from any thread.

#include <cstddef>
#include <string>
#include <vector>

#include "router/compiled.h"
#include "router/header_match.h"
#include "router/host_match.h"
#include "router/route_table.h"

namespace paygate::router {

class Conditions {
 public:
  // Rejects methods that are not upper-case tokens, and bad hosts or header names.
  static Compiled<Conditions> compile(const RouteSpec& spec);

  bool holds(const Request& request) const;

  // Each non-empty list counts as one: the more conditions, the more specific the route.
  std::size_t count() const;

  // Same methods, hosts and headers, whatever their order (two such routes on one path conflict).
  bool operator==(const Conditions&) const = default;

 private:
  bool method_allowed(std::string_view method) const;

  std::vector<std::string> methods_;  // sorted, unique
  HostMatcher hosts_;
  HeaderMatcher headers_;
};

}  // namespace paygate::router
