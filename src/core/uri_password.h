#pragma once
// The password of a connection URI ("postgresql://user:secret@host/db"), hidden for logs and
// the admin /config output. Pure functions, any thread.

#include <string>
#include <string_view>

namespace paygate::core {

// True for a "postgresql://" or "postgres://" URI (a store that is not a file path).
bool is_postgres_uri(std::string_view text);

// The URI with the password of its user info, and the value of a `password=` query parameter,
// replaced by "***"; anything else unchanged.
std::string redact_uri_password(std::string_view uri);

}  // namespace paygate::core
