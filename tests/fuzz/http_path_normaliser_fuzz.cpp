// Fuzzes http::normalise_path: never crashes, and whatever it accepts is in normal form: starts
// with '/', holds only RFC 3986 path characters and upper-case escapes, no dot-segment, no
// repeated slash when merging, and normalising it again changes nothing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/path_normaliser.h"

namespace {

using namespace paygate::http;

void require(bool condition) {
  if (!condition) std::abort();
}

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

void check_normal_form(std::string_view path, const PathPolicy& policy) {
  require(!path.empty() && path.front() == '/');
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%') {
      require(i + 2 < path.size() && is_upper_hex(path[i + 1]) && is_upper_hex(path[i + 2]));
    }
  }
  require(path.find("/./") == std::string_view::npos && !path.ends_with("/."));
  require(path.find("/../") == std::string_view::npos && !path.ends_with("/.."));
  if (policy.merge_slashes) require(path.find("//") == std::string_view::npos);
  std::string again_storage;
  const NormalisedPath again = normalise_path(path, policy, again_storage);
  require(again.verdict == PathVerdict::kNormal && again.path == path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the policy.
  PathPolicy policy;
  policy.merge_slashes = (data[0] & 1) == 0;
  policy.escaped_slashes = static_cast<EscapedSlashes>((data[0] >> 1) % 3);
  std::string raw(reinterpret_cast<const char*>(data + 1), size - 1);
  if (raw.empty() || raw.front() != '/') raw.insert(raw.begin(), '/');
  std::string storage;
  const NormalisedPath result = normalise_path(raw, policy, storage);
  if (!path_refused(result.verdict)) check_normal_form(result.path, policy);
  (void)valid_query(raw);
  return 0;
}
