#pragma once
// Key and certificate generation for tools and tests (`paygate keys new`, fixtures made at run
// time): a fresh RSA-2048 or SM2 key pair and a self-signed X.509 certificate for it, with a
// random positive 20-byte serial (40 hex digits, as WeChat Pay certificates have) and a
// validity window of whole days. SM2 certificates are signed with SM3 and the default user id
// (crypto/signature.h), as `openssl req -sm3 -sigopt distid:1234567812345678` does.
// Off the hot path: pure functions, any thread. The private key PEM is secret; callers write
// it only to a 0600 file and never log it.

#include <chrono>
#include <string>

#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/result.h"

namespace paygate::crypto {

inline constexpr std::size_t kCertificateSerialBytes = 20;

struct CertificateSpec {
  KeyAlgorithm algorithm = KeyAlgorithm::kRsa;
  std::string common_name;                // subject CN, e.g. the merchant id
  std::string organization = "paygate";   // subject O
  std::chrono::sys_seconds not_before{};  // zero: the current time
  int validity_days = 3650;               // not_after = not_before + days; 1..36500
};

struct GeneratedIdentity {
  PrivateKey key;
  Certificate certificate;
};

// A fresh key pair: RSA-2048 or SM2.
Result<PrivateKey> generate_private_key(KeyAlgorithm algorithm);

// A fresh key pair and a self-signed certificate for it, as spec says.
Result<GeneratedIdentity> generate_self_signed(const CertificateSpec& spec);

// Unencrypted PKCS#8 PEM of key ("-----BEGIN PRIVATE KEY-----"). Secret: see above.
Result<std::string> private_key_pem(const PrivateKey& key);

// SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), WeChat Pay's public-key mode format.
Result<std::string> public_key_pem(const PublicKey& key);

}  // namespace paygate::crypto
