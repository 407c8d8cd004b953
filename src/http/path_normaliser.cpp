#include "http/path_normaliser.h"

#include <array>

namespace paygate::http {

namespace {

// Character classes of RFC 3986 section 2, as bits of one table.
enum : std::uint8_t {
  kUnreserved = 1,  // ALPHA DIGIT - . _ ~
  kPathChar = 2,    // unreserved, sub-delims, ':', '@' (pchar without pct-encoded)
  kQueryChar = 4,   // pchar, '/', '?'
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> table{};
  auto add = [&table](std::string_view chars, std::uint8_t bits) {
    for (char c : chars) table[static_cast<unsigned char>(c)] |= bits;
  };
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] |= kUnreserved;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] |= kUnreserved;
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] |= kUnreserved;
  add("-._~", kUnreserved);
  for (auto& bits : table) {
    if (bits & kUnreserved) bits |= kPathChar;
  }
  add("!$&'()*+,;=:@", kPathChar);
  for (auto& bits : table) {
    if (bits & kPathChar) bits |= kQueryChar;
  }
  add("/?", kQueryChar);
  return table;
}

constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

bool has(char c, std::uint8_t bits) {
  return (kClasses[static_cast<unsigned char>(c)] & bits) != 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char upper_hex(char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c; }

bool is_dot_segment(std::string_view segment) { return segment == "." || segment == ".."; }

// The common case costs one pass: valid raw characters only, no escape, no empty segment to
// merge and no dot-segment means the path is already normal.
bool already_normal(std::string_view raw, bool merge_slashes) {
  std::size_t segment_start = 1;
  for (std::size_t i = 1; i <= raw.size(); ++i) {
    if (i == raw.size() || raw[i] == '/') {
      const std::string_view segment = raw.substr(segment_start, i - segment_start);
      if (is_dot_segment(segment)) return false;
      if (segment.empty() && merge_slashes && i != raw.size()) return false;
      segment_start = i + 1;
    } else if (!has(raw[i], kPathChar)) {
      return false;  // an escape or a refused byte: the careful pass decides
    }
  }
  return true;
}

// Builds the normal form segment by segment into `out`, which always holds "/seg/seg..." (each
// '/' in it a separator, so removing the last segment is one rfind).
class Normaliser {
 public:
  Normaliser(const PathPolicy& policy, std::string& out) : policy_(policy), out_(out) {
    out_.clear();
  }

  PathVerdict run(std::string_view raw) {
    std::size_t i = 1;  // raw[0] is '/'
    begin_segment();
    while (i < raw.size()) {
      const char c = raw[i];
      if (c == '/') {
        if (const PathVerdict v = end_segment(false); path_refused(v)) return v;
        begin_segment();
        ++i;
      } else if (c == '%') {
        if (const PathVerdict v = escape(raw, i); path_refused(v)) return v;
        i += 3;
      } else if (has(c, kPathChar)) {
        out_.push_back(c);
        ++i;
      } else {
        return PathVerdict::kBadCharacter;
      }
    }
    if (const PathVerdict v = end_segment(true); path_refused(v)) return v;
    if (out_.empty()) out_.push_back('/');
    return PathVerdict::kNormalised;
  }

 private:
  void begin_segment() {
    segment_start_ = out_.size();
    out_.push_back('/');
  }

  PathVerdict escape(std::string_view raw, std::size_t at) {
    if (at + 2 >= raw.size()) return PathVerdict::kBadEscape;
    const int high = hex_value(raw[at + 1]);
    const int low = hex_value(raw[at + 2]);
    if (high < 0 || low < 0) return PathVerdict::kBadEscape;
    const char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '\0') return PathVerdict::kEncodedNul;
    if (decoded == '\\') return PathVerdict::kEncodedBackslash;
    if (decoded == '/') return escaped_slash();
    if (has(decoded, kUnreserved)) {
      out_.push_back(decoded);
    } else {
      out_.append({'%', upper_hex(raw[at + 1]), upper_hex(raw[at + 2])});
    }
    return PathVerdict::kNormalised;
  }

  PathVerdict escaped_slash() {
    switch (policy_.escaped_slashes) {
      case EscapedSlashes::kReject:
        return PathVerdict::kEncodedSlash;
      case EscapedSlashes::kKeep:
        out_.append("%2F");
        return PathVerdict::kNormalised;
      case EscapedSlashes::kUnescape:
        if (const PathVerdict v = end_segment(false); path_refused(v)) return v;
        begin_segment();
        return PathVerdict::kNormalised;
    }
    return PathVerdict::kEncodedSlash;
  }

  // The segment since begin_segment() is complete; `last` when nothing follows it.
  PathVerdict end_segment(bool last) {
    const std::string_view segment = std::string_view(out_).substr(segment_start_ + 1);
    if (segment == ".") {
      out_.resize(segment_start_);
    } else if (segment == "..") {
      out_.resize(segment_start_);
      if (depth_ == 0) return PathVerdict::kAboveRoot;
      out_.resize(out_.rfind('/'));
      --depth_;
    } else if (segment.empty() && policy_.merge_slashes && !last) {
      out_.resize(segment_start_);
    } else {
      ++depth_;
      return PathVerdict::kNormalised;
    }
    if (last) out_.push_back('/');  // `/a/.` and `/a/b/..` keep their trailing slash
    return PathVerdict::kNormalised;
  }

  const PathPolicy& policy_;
  std::string& out_;
  std::size_t segment_start_ = 0;  // offset of the current segment's '/'
  std::size_t depth_ = 0;          // segments in out_
};

}  // namespace

NormalisedPath normalise_path(std::string_view raw, const PathPolicy& policy,
                              std::string& storage) {
  if (raw.empty()) return {PathVerdict::kNormalised, "/"};
  if (raw.front() != '/') return {PathVerdict::kNormal, raw};  // "*" of OPTIONS
  if (already_normal(raw, policy.merge_slashes)) return {PathVerdict::kNormal, raw};
  const PathVerdict verdict = Normaliser(policy, storage).run(raw);
  if (path_refused(verdict)) return {verdict, {}};
  if (storage == raw) return {PathVerdict::kNormal, raw};
  return {verdict, storage};
}

bool valid_query(std::string_view query) {
  for (std::size_t i = 0; i < query.size(); ++i) {
    if (has(query[i], kQueryChar)) continue;
    if (query[i] != '%' || i + 2 >= query.size() || hex_value(query[i + 1]) < 0 ||
        hex_value(query[i + 2]) < 0) {
      return false;
    }
    i += 2;
  }
  return true;
}

PathVerdict normalise_request_path(RequestHead& head, const PathPolicy& policy) {
  if (!valid_query(head.query)) return PathVerdict::kBadQuery;
  const NormalisedPath normal = normalise_path(head.raw_path, policy, head.path_storage);
  // A refused request keeps the path as received, for its access log line.
  head.path = path_refused(normal.verdict) ? head.raw_path : normal.path;
  return normal.verdict;
}

const char* to_string(PathVerdict verdict) {
  switch (verdict) {
    case PathVerdict::kNormal:
    case PathVerdict::kNormalised:
      return "path is valid";
    case PathVerdict::kBadCharacter:
      return "request path holds a character outside RFC 3986";
    case PathVerdict::kBadEscape:
      return "request path holds a malformed percent escape";
    case PathVerdict::kEncodedNul:
      return "request path holds an encoded NUL (%00)";
    case PathVerdict::kEncodedBackslash:
      return "request path holds an encoded backslash (%5C)";
    case PathVerdict::kEncodedSlash:
      return "request path holds an encoded slash (%2F)";
    case PathVerdict::kAboveRoot:
      return "request path climbs above /";
    case PathVerdict::kBadQuery:
      return "request query holds a character outside RFC 3986 or a malformed escape";
  }
  return "bad request path";
}

}  // namespace paygate::http
