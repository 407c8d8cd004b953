#pragma once
// RouteTable: the compiled, immutable route table of one configuration snapshot.
// Built once at load (may be slow, reports every problem); match() is called on worker threads
// concurrently, allocates nothing and takes no locks.
//
// Precedence, most specific first (also documented in README "Routing"):
//   1. path templates, walked segment by segment: a literal segment beats a {param} segment,
//      which beats a prefix route ending at that depth; deeper prefixes beat shallower ones;
//   2. among routes with the same path, the one with more conditions (methods, hosts, headers)
//      wins; equal ones are a build-time conflict;
//   3. regex routes (RE2, precompiled, anchored) in configuration order, only when no path route
//      matched.

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/header_field.h"

namespace paygate::router {

enum class PathKind {
  kTemplate,  // "/v3/pay/transactions/id/{transaction_id}": whole path, {name} = one segment
  kPrefix,    // "/v3/bill/": every path starting with these segments
  kRegex,     // an RE2 pattern that must match the whole path
};

struct HeaderMatch {
  std::string name;           // compared case-insensitively
  std::string value;          // exact value
  bool present_only = false;  // match on presence, whatever the value
};

// RouteSpec: how one route matches, as configured. What the route does lives in proxy/.
struct RouteSpec {
  std::string name;
  PathKind kind = PathKind::kTemplate;
  std::string pattern;
  std::vector<std::string> methods;   // upper case; empty = any
  std::vector<std::string> hosts;     // "pay.example.com" or "*.example.com", port ignored; empty = any
  std::vector<HeaderMatch> headers;   // every one must match
};

// The parts of a request the router looks at; views valid for the call.
struct Request {
  std::string_view method;
  std::string_view host;  // Host header as received (may carry a port)
  std::string_view path;  // without the query
  std::span<const core::HeaderField> headers;
};

inline constexpr std::size_t kMaxCaptures = 8;

struct Capture {
  std::string_view name;   // owned by the table
  std::string_view value;  // a view into Request::path
};

struct Match {
  std::size_t route = 0;  // index into the specs given to build()
  std::array<Capture, kMaxCaptures> captures{};
  std::size_t capture_count = 0;
};

struct BuildError {
  std::size_t route = 0;  // index of the offending spec
  std::string message;    // says what is wrong and, for conflicts, with which route
};

class RouteTable {
 public:
  // Compiles the specs. Returns nullptr and fills `errors` (every problem found) if any spec is
  // invalid: bad template syntax, too many captures, bad RE2 pattern, duplicate name, conflict.
  static std::unique_ptr<const RouteTable> build(std::vector<RouteSpec> specs,
                                                 std::vector<BuildError>& errors);

  // Finds the most specific matching route. Thread-safe, allocation-free.
  bool match(const Request& request, Match& out) const;

  const std::vector<RouteSpec>& specs() const;

  ~RouteTable();

 private:
  RouteTable();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace paygate::router
