#pragma once
// PathPattern: the parsed form of a template or prefix route pattern ("/v3/pay/id/{id}").
// parse_path_pattern() is a pure function used at build time only; it never throws and reports
// the first syntax problem as text. Rules:
//   - the pattern starts with '/'; it is split on '/' into segments;
//   - a segment is a literal or exactly "{name}", name = [A-Za-z_][A-Za-z0-9_]*, unique in the
//     pattern, at most kMaxCaptures of them;
//   - no empty segment ("//"), except that a trailing '/' is kept as a flag (significant);
//   - literals hold no '{', '}', '?', '#', space or control byte (the path is matched raw,
//     without its query, percent-encoding untouched).

#include <string>
#include <string_view>
#include <vector>

#include "router/compiled.h"

namespace paygate::router {

struct PatternSegment {
  std::string text;  // the literal, or the capture name for a {param}
  bool is_param = false;
};

struct PathPattern {
  std::vector<PatternSegment> segments;  // "/" has none
  bool trailing_slash = false;           // "/a/" (true) is not "/a" (false)

  std::vector<std::string> capture_names() const;  // in path order
};

Compiled<PathPattern> parse_path_pattern(std::string_view pattern);

}  // namespace paygate::router
