#pragma once
// The body of GET /v3/certificates (docs/protocol.md §3):
//   {"data":[{"serial_no","effective_time","expire_time",
//             "encrypt_certificate":{"algorithm","nonce","associated_data":"certificate",
//                                    "ciphertext"}}]}
// Each certificate's PEM is sealed with the merchant's APIv3 key; times are RFC 3339 +08:00.
// build_...() is the platform side, parse_...() the merchant side (decrypts and checks that the
// serial and validity inside each certificate agree with the listing). Both run off the hot path;
// the Aead is the calling thread's.

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/aead.h"
#include "crypto/certificate.h"
#include "crypto/result.h"

namespace paygate::wechatpay {

inline constexpr std::string_view kCertificateAssociatedData = "certificate";

// Replaces out with the document listing certificates. False if encryption fails.
bool build_certificates_document(std::span<const crypto::Certificate> certificates,
                                 const crypto::ApiV3Key& key, crypto::AeadAlgorithm algorithm,
                                 crypto::Aead& aead, std::string& out);

// The decrypted certificates of a document, in listing order; an error names the first problem.
crypto::Result<std::vector<crypto::Certificate>> parse_certificates_document(
    std::string_view body, const crypto::ApiV3Key& key, crypto::Aead& aead);

}  // namespace paygate::wechatpay
