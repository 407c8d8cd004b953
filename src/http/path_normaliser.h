#pragma once
// normalise_path: the one form of a request path that routing, allow-lists and the upstream all
// see. A backend that normalises paths itself would otherwise serve `/mock/../v3/pay/x` or
// `/%76%33/pay/x` as `/v3/pay/x` while the gateway routed, authorised and counted them as
// something else. The rules (RFC 3986 sections 6.2.2 and 5.2.4, made strict):
//
//   1. Every raw byte is an RFC 3986 path character: unreserved, sub-delims, ':', '@', '/' or a
//      percent escape of two hex digits. Anything else (space, '\', '"', '<', '>', '[', ']',
//      '^', '`', '{', '|', '}', '#', controls, bytes >= 0x80, a bare '%') is refused.
//   2. An escape of an unreserved character is decoded (`%41` -> `A`, `%2e` -> `.`); every other
//      escape is kept with upper-case hex (`%3a` -> `%3A`).
//   3. `%00` and `%5C` (NUL, '\') are refused. `%2F` ('/') follows the policy: refused (the
//      default), kept as `%2F` inside its segment, or decoded into a segment separator.
//   4. Repeated slashes are merged into one when policy.merge_slashes (the default).
//   5. Dot-segments are removed after decoding: `.` disappears, `..` removes the segment before
//      it, and a `..` with nothing left to remove (climbing above `/`) is refused rather than
//      clamped as RFC 3986 would. A trailing `/.` or `/..` leaves a trailing slash.
//
// The query is not normalised, only checked: RFC 3986 query characters and well-formed escapes.
// The request-target as received stays available for signature checks (docs/protocol.md §1:
// merchants sign what they send). Pure functions; no allocation when the path is already normal.

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message_head.h"
#include "http/settings.h"

namespace paygate::http {

enum class PathVerdict : std::uint8_t {
  kNormal,            // the path was already normal: the result is the input itself
  kNormalised,        // the result is a rewritten copy
  kBadCharacter,      // a raw byte outside RFC 3986
  kBadEscape,         // '%' not followed by two hex digits
  kEncodedNul,        // %00
  kEncodedBackslash,  // %5C
  kEncodedSlash,      // %2F under EscapedSlashes::kReject
  kAboveRoot,         // `..` climbed above `/`
  kBadQuery,          // a byte or escape the query may not hold
};

inline bool path_refused(PathVerdict verdict) { return verdict > PathVerdict::kNormalised; }

struct NormalisedPath {
  PathVerdict verdict = PathVerdict::kNormal;
  std::string_view path;  // `raw` itself, or a view of `storage`; empty when refused
};

// `raw` is an origin-form path (starting with '/'; "*" and "" are returned as they are, the
// latter as "/"). `storage` receives the rewritten path when one is needed (reused buffer).
NormalisedPath normalise_path(std::string_view raw, const PathPolicy& policy, std::string& storage);

// True when every byte of `query` (after '?') is an RFC 3986 query character or a well-formed
// percent escape.
bool valid_query(std::string_view query);

// Sets head.path to the normal form of head.raw_path and checks head.query; the verdict says
// whether the request must be refused (path_refused()), in which case head.path stays raw.
PathVerdict normalise_request_path(RequestHead& head, const PathPolicy& policy);

// The message of a refusal, for the 400 body and the log.
const char* to_string(PathVerdict verdict);

}  // namespace paygate::http
