#pragma once
// Sensitive fields (docs/protocol.md §6): values such as names and phone numbers that a request
// or response carries encrypted to the receiver's public key, base64-encoded. The algorithm
// follows the key, as for signatures (crypto/signature.h):
//   RSA key -> RSAES-OAEP, SHA-1, MGF1-SHA-1, empty label (crypto/oaep.h), at most 214 bytes
//              for RSA-2048;
//   SM2 key -> SM2 encryption with SM3, DER C1C3C2 (crypto/sm2_encryption.h), not empty.
// Errors say what was wrong (too long, not base64, does not decrypt) and never carry the
// plaintext, the ciphertext or key material. Off the hot path; pure functions, any thread.

#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/result.h"

namespace paygate::crypto {

// The base64 ciphertext of plaintext for the holder of key. kBadRequest for a plaintext the
// key's algorithm cannot take, kInternal when OpenSSL fails.
Result<std::string> encrypt_sensitive(const PublicKey& key, std::string_view plaintext);

// The plaintext of a base64 sensitive field. kBadRequest when it is not base64 or does not
// decrypt with key (tampered, or encrypted to another key).
Result<std::string> decrypt_sensitive(const PrivateKey& key, std::string_view ciphertext_base64);

}  // namespace paygate::crypto
