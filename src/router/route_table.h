#pragma once
// RouteTable: the compiled, immutable route table of one configuration snapshot.
// build() runs once per load on the control thread (may be slow, reports every problem).
// match() is const and is called on worker threads concurrently; it takes no locks and
// allocates nothing for template and prefix routes (regex routes: see 5 below). The table owns
// copies of the specs; a Match refers to the table (capture names) and to the request path
// (capture values), so it is valid while both are.
//
// Routing (README "Routing"):
// 1. Templates. A pattern starts with '/' and is split on '/'. A segment is a literal or
//    "{name}" (name = [A-Za-z_][A-Za-z0-9_]*, unique within the pattern, at most kMaxCaptures),
//    which captures exactly one non-empty segment. "{", "{}", "a{b}", a duplicate name, an empty
//    segment ("//"), a missing leading '/', and '?', '#', spaces or control bytes in a literal
//    are build errors naming the route. A trailing slash is significant: "/a/" != "/a".
//    The path matched is the request's normal form, never the bytes as received: escaped
//    unreserved characters decoded, other escapes in upper case, dot-segments removed,
//    repeated slashes merged (unless listener.path.merge_slashes is off); a path that climbs
//    above '/' or holds %2F, %5C, %00 or a byte outside RFC 3986 never gets here (400). The
//    exact rules are in http/path_normaliser.h. The table compares that form byte for byte.
// 2. Prefixes. "/v3/bill/" matches "/v3/bill/" and everything below it; "/v3/bill" matches
//    "/v3/bill" and "/v3/bill/..." but not "/v3/billing" (segment boundary); "/" matches every
//    path. Prefixes may hold {name} segments, captured as in templates.
// 3. Precedence, most specific first. The path is walked segment by segment, a literal child
//    before the {param} child, backtracking when a branch yields no route ("/a/b/c" and
//    "/a/{x}/d" both work). Any template match beats any prefix; a deeper prefix beats a
//    shallower one ("/a/" is deeper than "/a"); on equal depth the literal branch wins.
// 4. Conditions. A route applies only if all its conditions hold: methods (exact, upper case),
//    hosts (case-insensitive, port and trailing dot ignored; "*.example.com" matches any
//    subdomain at any depth, not "example.com"), headers (name case-insensitive, value exact,
//    or present_only). Each non-empty list counts as one condition; among routes on the same
//    path whose conditions hold, the one with the most conditions wins, then the first
//    configured. Two routes with the same path (capture names aside) and the same conditions
//    are a build-time conflict naming both. If no route on a node applies, matching goes on
//    as if the node had none (backtracking, then shorter prefixes).
// 5. Regex routes (RE2, compiled once, anchored at both ends, no captures) are tried only when
//    no template or prefix route applied, in configuration order. RE2 is linear-time; it builds
//    its DFA lazily behind its own lock, so the first requests reaching new DFA states allocate
//    (bounded by RE2's memory budget); warmed-up patterns match without allocating.
// 6. A path that does not start with '/' (e.g. "*") can match only regex routes.
// Route names must be unique when given; an unnamed route is called "route #<index>".

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
  std::vector<std::string> methods;  // upper case; empty = any
  std::vector<std::string> hosts;  // "pay.example.com", "*.example.com"; port ignored; empty = any
  std::vector<HeaderMatch> headers;  // every one must match
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

  // Finds the most specific matching route (see "Routing" above). Thread-safe, allocation-free.
  // On false, `out` holds no captures.
  bool match(const Request& request, Match& out) const;

  const std::vector<RouteSpec>& specs() const;

  ~RouteTable();

 private:
  RouteTable();  // only build() makes tables; they live behind a unique_ptr and never move
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace paygate::router
