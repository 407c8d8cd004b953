#include "router/path_pattern.h"

#include <algorithm>

#include "router/route_table.h"

namespace paygate::router {

namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  return std::all_of(name.begin() + 1, name.end(), is_name_char);
}

bool is_forbidden_literal_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f || c == '{' || c == '}' || c == '?' || c == '#';
}

// Built by appends: GCC 12 at -O3 reports a false -Wrestrict on "\"" + std::string(text).
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  out.append(text);
  out.push_back('"');
  return out;
}

// Parses one non-empty segment; returns an error text or "".
std::string parse_segment(std::string_view text, PatternSegment& out) {
  const bool opens = text.front() == '{';
  const bool closes = text.back() == '}';
  if (opens || closes) {
    if (!opens || !closes || text.size() < 2) return "unbalanced brace in segment " + quoted(text);
    const std::string_view name = text.substr(1, text.size() - 2);
    if (name.empty()) return "empty capture name in segment " + quoted(text);
    if (!is_valid_name(name)) return "bad capture name in segment " + quoted(text);
    out = PatternSegment{std::string(name), true};
    return "";
  }
  if (std::any_of(text.begin(), text.end(), is_forbidden_literal_byte)) {
    return "segment " + quoted(text) + " holds a brace, '?', '#', space or control byte";
  }
  out = PatternSegment{std::string(text), false};
  return "";
}

// Checks the rules that span segments: capture count and unique capture names.
std::string check_captures(const PathPattern& pattern) {
  std::vector<std::string> names = pattern.capture_names();
  if (names.size() > kMaxCaptures) {
    return "more than " + std::to_string(kMaxCaptures) + " captures";
  }
  std::sort(names.begin(), names.end());
  const auto duplicate = std::adjacent_find(names.begin(), names.end());
  if (duplicate != names.end()) return "capture name " + quoted(*duplicate) + " used twice";
  return "";
}

}  // namespace

std::vector<std::string> PathPattern::capture_names() const {
  std::vector<std::string> names;
  for (const PatternSegment& segment : segments) {
    if (segment.is_param) names.push_back(segment.text);
  }
  return names;
}

Compiled<PathPattern> parse_path_pattern(std::string_view pattern) {
  Compiled<PathPattern> result;
  if (pattern.empty() || pattern.front() != '/') {
    result.error = "pattern " + quoted(pattern) + " does not start with '/'";
    return result;
  }
  std::string_view rest = pattern.substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view text = rest.substr(0, slash);
    if (text.empty()) {
      result.error = "empty segment (\"//\") in pattern " + quoted(pattern);
      return result;
    }
    PatternSegment segment;
    result.error = parse_segment(text, segment);
    if (!result.ok()) return result;
    result.value.segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
    result.value.trailing_slash = rest.empty();
  }
  if (pattern == "/") result.value.trailing_slash = true;
  result.error = check_captures(result.value);
  return result;
}

}  // namespace paygate::router
