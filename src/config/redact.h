#pragma once
// Redaction of secrets in the running configuration shown by the admin /config endpoint.
// A field is secret when its key is listed in kSecretKeys, or when its key contains one of
// kSecretWords ("key", "secret", "token", "password"), case-insensitively, unless it is one of
// kFileKeys. To mark a new field secret whose name does not say so, add its key to kSecretKeys.
// Pure functions; any thread.

#include <array>
#include <string_view>

#include <boost/json/value.hpp>

namespace paygate::config {

inline constexpr std::string_view kRedacted = "<redacted>";

inline constexpr std::array<std::string_view, 4> kSecretWords{"key", "secret", "token",
                                                             "password"};
// Exact keys that are secret although their names do not say so.
inline constexpr std::array<std::string_view, 1> kSecretKeys{"credentials"};
// Exact keys that sound secret but hold the paths of key files (or lists of them): shown, so that
// an operator sees which files are in use. The files' contents never appear in the config.
inline constexpr std::array<std::string_view, 3> kFileKeys{"keys", "private_key", "public_key"};

bool is_secret_key(std::string_view key);

// Replaces the value of every secret key, at any depth, with kRedacted.
void redact_secrets(boost::json::value& value);

// Whether a header's value is a secret (Authorization, Cookie, or a secret-sounding name), so a
// route's header match does not show it.
bool is_secret_header(std::string_view name);

}  // namespace paygate::config
