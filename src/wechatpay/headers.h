#pragma once
// The WeChat Pay v3 header names and Authorization scheme strings (docs/protocol.md §§1–2).
// Header names are written as WeChat Pay documents them; HTTP compares them case-insensitively.

#include <string_view>

namespace paygate::wechatpay {

inline constexpr std::string_view kAuthorizationHeader = "Authorization";
inline constexpr std::string_view kRequestIdHeader = "Request-ID";
inline constexpr std::string_view kTimestampHeader = "Wechatpay-Timestamp";
inline constexpr std::string_view kNonceHeader = "Wechatpay-Nonce";
inline constexpr std::string_view kSignatureHeader = "Wechatpay-Signature";
inline constexpr std::string_view kSerialHeader = "Wechatpay-Serial";
inline constexpr std::string_view kSignatureTypeHeader = "Wechatpay-Signature-Type";
// What the names of the signature fields above start with.
inline constexpr std::string_view kSignatureFieldPrefix = "Wechatpay-";

inline constexpr std::string_view kSchemePrefix = "WECHATPAY2-";
inline constexpr std::string_view kRsaScheme = "WECHATPAY2-SHA256-RSA2048";
inline constexpr std::string_view kSm2Scheme = "WECHATPAY2-SM2-WITH-SM3";

// Deliberately bad signatures the platform sends to probe receivers (they must fail).
inline constexpr std::string_view kSignTestPrefix = "WECHATPAY/SIGNTEST/";

// The maximum clock difference accepted on signed messages (docs/protocol.md §2).
inline constexpr long long kMaxSkewSeconds = 300;

}  // namespace paygate::wechatpay
