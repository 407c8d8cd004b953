#pragma once
// What both HTTP/2 ends (http/h2_response.h, http/h2_client.h) do to hand a header list to
// nghttp2: a name/value pair nghttp2 copies, and field names lower-cased as HTTP/2 requires
// (RFC 9113 section 8.2.1).

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>

namespace paygate::http {

// A pair for nghttp2_submit_*: it copies both, so the views need to live only for the call.
inline nghttp2_nv h2_field(std::string_view name, std::string_view value) {
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

// Appends `name` lower-cased to `names`; returns the view of it there (valid while `names` does
// not grow past its capacity).
inline std::string_view append_lower_name(std::string& names, std::string_view name) {
  const std::size_t at = names.size();
  for (char c : name) names.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  return std::string_view(names).substr(at, name.size());
}

}  // namespace paygate::http
