#pragma once
// HeaderField: a view of one HTTP header as received. The bytes belong to whoever parsed the
// message (a connection's per-request storage); a view is valid until that request ends.

#include <string_view>

namespace paygate::core {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// ASCII case-insensitive equality, as HTTP field names compare.
bool iequals(std::string_view a, std::string_view b);

// True if a comma-separated header value ("close, X-Secret") holds `token`, case-insensitively.
bool list_has_token(std::string_view list, std::string_view token);

}  // namespace paygate::core
