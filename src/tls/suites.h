#pragma once
// The TLS 1.2 cipher suites both ends of paygate's connections offer: ECDHE for forward secrecy,
// AEAD only (AES-GCM, ChaCha20-Poly1305). TLS 1.3's suites all are, and keep OpenSSL's order.
// Internal to tls/.

namespace paygate::tls {

inline constexpr const char* kTls12Suites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace paygate::tls
