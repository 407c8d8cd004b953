#pragma once
// RSAES-OAEP with SHA-1 and MGF1-SHA-1, empty label: WeChat Pay's encryption of sensitive fields
// (docs/protocol.md §6). At most 214 plaintext bytes for RSA-2048. Not on the per-request
// hot path: each call sets up its own context. Any thread; keys are shared read-only.

#include <string>
#include <string_view>

#include "crypto/keys.h"

namespace paygate::crypto {

inline constexpr std::size_t kOaepSha1Overhead = 42;  // 2 * SHA-1 length + 2

// The longest plaintext key can encrypt (214 bytes for RSA-2048); 0 for an empty or non-RSA key.
std::size_t rsa_oaep_max_plaintext(const PublicKey& key);

// Replaces out with the raw ciphertext. False for a non-RSA key, a too-long plaintext, or failure.
bool rsa_oaep_encrypt(const PublicKey& key, std::string_view plaintext, std::string& out);
// Replaces out with the plaintext. False (out cleared) when the ciphertext does not decrypt.
bool rsa_oaep_decrypt(const PrivateKey& key, std::string_view ciphertext, std::string& out);

}  // namespace paygate::crypto
