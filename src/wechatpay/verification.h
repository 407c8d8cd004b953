#pragma once
// Verification: the outcome of checking a WeChat Pay signature, named so callers can count
// each cause and answer 401 SIGN_ERROR with a useful detail. Shared by client.h and server.h.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "wechatpay/headers.h"

namespace paygate::wechatpay {

enum class Verification {
  kOk,
  kMissingHeader,         // a Wechatpay-* header (or Authorization parameter) is absent
  kBadTimestamp,          // not a decimal number of seconds
  kClockSkew,             // |now - timestamp| >= 300 s
  kUnknownSerial,         // no key for this serial
  kUnknownSignatureType,  // Wechatpay-Signature-Type is neither scheme
  kAlgorithmMismatch,     // the scheme does not fit the key (RSA scheme, SM2 key, ...)
  kSignTestProbe,         // a deliberate WECHATPAY/SIGNTEST/ probe: must fail
  kBadSignature,          // the signature does not verify
};

std::string_view describe(Verification verification);
// A metric label for it: "ok", "missing_header", "bad_signature", ...
std::string_view label(Verification verification);

// The skew rule of wechatpay-go and -java: reject when |now - timestamp| >= 300 s.
// `skew` defaults to the protocol's 300 s; the platform side may configure its own window.
bool within_skew(std::int64_t timestamp, std::chrono::sys_seconds now,
                 std::chrono::seconds skew = std::chrono::seconds(kMaxSkewSeconds));

}  // namespace paygate::wechatpay
