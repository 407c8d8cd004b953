#pragma once
// SM2 public-key encryption (GB/T 32918.4) with SM3: the SM variant of sensitive-field encryption
// (docs/protocol.md §§6 and 7). The ciphertext is DER SEQUENCE{INTEGER x, INTEGER y,
// OCTET STRING C3 (the 32-byte SM3 hash), OCTET STRING C2 (as long as the plaintext)}, the
// "C1C3C2_ASN1" layout WeChat Pay and OpenSSL use. Same shape as crypto/oaep.h. Not on the
// per-request hot path: each call sets up its own context. Any thread; keys are shared read-only.

#include <string>
#include <string_view>

#include "crypto/keys.h"

namespace paygate::crypto {

// Replaces out with the DER ciphertext. False for a non-SM2 key, an empty plaintext (OpenSSL
// cannot encrypt one), or failure.
bool sm2_encrypt(const PublicKey& key, std::string_view plaintext, std::string& out);
// Replaces out with the plaintext. False (out cleared) when the ciphertext does not decrypt:
// malformed DER, a point off the curve, a C3 mismatch (tampering or the wrong key).
bool sm2_decrypt(const PrivateKey& key, std::string_view ciphertext, std::string& out);

}  // namespace paygate::crypto
