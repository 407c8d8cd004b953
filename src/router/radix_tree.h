#pragma once
// RadixTree: the path part of routing. A tree of path segments: each node has literal children
// (exact segment text), at most one {param} child (any non-empty segment) and three slots of
// routes ending there: templates, open prefixes ("/v3/bill") and slash prefixes ("/v3/bill/").
// Built once, single-threaded; find() is const, allocation-free and safe from any thread.
//
// find() walks the request path segment by segment, literal child first, then the {param} child,
// backtracking when a branch yields no route. The first template whose conditions hold wins;
// otherwise the deepest prefix whose conditions hold ("/a/" is deeper than "/a"), the literal
// branch winning a tie. Within a slot, routes are tried by rank (higher first), then insertion.

#include <array>
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "router/path_pattern.h"
#include "router/route_table.h"

namespace paygate::router {

// Asks whether a route's non-path conditions hold for the request being matched.
class RouteFilter {
 public:
  virtual bool accepts(std::size_t route) const = 0;

 protected:
  ~RouteFilter() = default;
};

struct TreeMatch {
  std::size_t route = 0;
  std::array<std::string_view, kMaxCaptures> values{};  // views into the path, in path order
  std::size_t value_count = 0;
};

class RadixTree {
 public:
  RadixTree();
  ~RadixTree();
  RadixTree(RadixTree&&) noexcept;
  RadixTree& operator=(RadixTree&&) noexcept;

  // Adds a template or prefix route (kind must not be kRegex). Returns the routes that were
  // already in the same slot (same path, same kind), so the caller can look for conflicts.
  std::vector<std::size_t> insert(const PathPattern& pattern, PathKind kind, std::size_t route,
                                  std::size_t rank);

  // `path` is the raw request path; one that does not start with '/' matches nothing.
  bool find(std::string_view path, const RouteFilter& filter, TreeMatch& out) const;

  struct Node;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace paygate::router
