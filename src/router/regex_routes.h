#pragma once
// RegexRoutes: routes whose path is an RE2 pattern, tried in configuration order when no
// template or prefix route matched. Each pattern is compiled once and must match the whole raw
// path (anchored at both ends); it captures nothing. RE2 runs in linear time, so no pattern can
// be turned into a ReDoS. Built single-threaded; find() is const and safe from any thread.
// RE2 keeps a lazily built DFA cache behind its own lock: the first requests that reach new
// DFA states allocate (bounded by RE2's max_mem); a warmed-up pattern matches without allocating.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "router/radix_tree.h"

namespace re2 {
class RE2;
}

namespace paygate::router {

class RegexRoutes {
 public:
  RegexRoutes();
  ~RegexRoutes();
  RegexRoutes(RegexRoutes&&) noexcept;
  RegexRoutes& operator=(RegexRoutes&&) noexcept;

  // Compiles `pattern` for `route`. Returns "" or why the pattern was rejected.
  std::string add(std::size_t route, const std::string& pattern);

  // The first route, in the order added, whose pattern matches and that the filter accepts.
  bool find(std::string_view path, const RouteFilter& filter, std::size_t& route) const;

 private:
  struct Entry {
    std::size_t route = 0;
    std::unique_ptr<const re2::RE2> regex;
  };
  std::vector<Entry> entries_;
};

}  // namespace paygate::router
