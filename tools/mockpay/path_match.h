#pragma once
// The request target split for routing, and a tiny path matcher for mockpay's fixed set of paths.
// A Target owns its decoded strings. PathPattern is immutable after construction, so a route
// table of them may be shared; everything else here is a plain value.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paygate::mockpay {

// Named values: captured path parameters or query parameters (percent-decoded).
class Params {
 public:
  void set(std::string name, std::string value);
  // The value of `name`, or nullopt when absent. A repeated query parameter keeps its first value.
  std::optional<std::string_view> get(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

struct Target {
  std::vector<std::string> segments;  // "/v3/a%2Fb/c" -> {"v3", "a/b", "c"}
  Params query;
};

// Parses an origin-form target ("/path?query"). nullopt for anything else (absolute form,
// characters RFC 3986 does not allow, bad percent-escapes).
std::optional<Target> parse_target(std::string_view raw);

// "/v3/refund/domestic/refunds/{out_refund_no}": literal segments match exactly, a "{name}"
// segment matches any non-empty segment and captures it under `name`.
class PathPattern {
 public:
  explicit PathPattern(std::string_view pattern);
  // True (and the captures added to `captures`) when every segment matches.
  bool match(const std::vector<std::string>& segments, Params& captures) const;

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter name when is_param
    bool is_param = false;
  };
  std::vector<Segment> segments_;
};

}  // namespace paygate::mockpay
