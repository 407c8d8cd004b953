#include "wechatpay/verification.h"

#include "wechatpay/headers.h"

namespace paygate::wechatpay {

std::string_view describe(Verification verification) {
  switch (verification) {
    case Verification::kOk:
      return "ok";
    case Verification::kMissingHeader:
      return "signature header missing";
    case Verification::kBadTimestamp:
      return "timestamp is not a number of seconds";
    case Verification::kClockSkew:
      return "timestamp too far from now";
    case Verification::kUnknownSerial:
      return "no key for this serial";
    case Verification::kUnknownSignatureType:
      return "unknown signature type";
    case Verification::kAlgorithmMismatch:
      return "signature scheme does not match the key";
    case Verification::kSignTestProbe:
      return "signature test probe";
    case Verification::kBadSignature:
      return "sign not match";
  }
  return "unknown";
}

std::string_view label(Verification verification) {
  switch (verification) {
    case Verification::kOk:
      return "ok";
    case Verification::kMissingHeader:
      return "missing_header";
    case Verification::kBadTimestamp:
      return "bad_timestamp";
    case Verification::kClockSkew:
      return "clock_skew";
    case Verification::kUnknownSerial:
      return "unknown_serial";
    case Verification::kUnknownSignatureType:
      return "unknown_signature_type";
    case Verification::kAlgorithmMismatch:
      return "algorithm_mismatch";
    case Verification::kSignTestProbe:
      return "sign_test_probe";
    case Verification::kBadSignature:
      return "bad_signature";
  }
  return "unknown";
}

bool within_skew(std::int64_t timestamp, std::chrono::sys_seconds now, std::chrono::seconds skew) {
  std::int64_t current = now.time_since_epoch().count();
  // Compared without subtracting first, so extreme timestamps cannot overflow.
  const std::int64_t window = skew.count();
  return timestamp > current - window && timestamp < current + window;
}

}  // namespace paygate::wechatpay
