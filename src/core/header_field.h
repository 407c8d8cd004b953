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

// True if a backend may take fields named `a` and `b` for one field: ASCII case-insensitive,
// with '-' and '_' alike, because CGI, WSGI and many frameworks map both to '_' ("X_Pay_Mchid"
// reaches them as X-Pay-Mchid does). For fields whose value only the gateway may set.
bool field_names_collide(std::string_view a, std::string_view b);
// The same comparison for the start of a name: "wechatpay_signature" starts with "Wechatpay-".
bool field_name_starts_with(std::string_view name, std::string_view prefix);

// True if a comma-separated header value ("close, X-Secret") holds `token`, case-insensitively.
bool list_has_token(std::string_view list, std::string_view token);

}  // namespace paygate::core
