#pragma once
// Randomness from OpenSSL's CSPRNG (RAND_bytes, per-thread DRBGs in OpenSSL 3, no locks of ours).
// Any thread may call these.

#include <span>
#include <string>

namespace paygate::crypto {

inline constexpr std::size_t kNonceStringLength = 32;

// Fills bytes. False only if the CSPRNG fails (it cannot be seeded): callers must not continue.
bool random_bytes(std::span<unsigned char> bytes);

// Fills chars with uniformly random [0-9A-Za-z] characters (the WeChat Pay nonce_str alphabet).
bool random_alphanumeric(std::span<char> chars);

// Replaces out with a fresh 32-character nonce string.
bool random_nonce(std::string& out);

}  // namespace paygate::crypto
