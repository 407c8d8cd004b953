#pragma once
// The `Authorization` header of WeChat Pay v3 requests (docs/protocol.md §1):
//   WECHATPAY2-SHA256-RSA2048
//   mchid="..",nonce_str="..",timestamp="..",serial_no="..",signature=".."
// parse_authorization() is strict and allocation-free: the result holds views into the header, so
// it is valid only while the header bytes are. Parameter order is free and blanks after commas
// are tolerated; anything else unusual is rejected with a reason. The scheme compares
// case-insensitively (RFC 9110 section 11.1). Pure functions; any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/keys.h"

namespace paygate::wechatpay {

enum class Scheme { kRsaSha256, kSm2Sm3 };

std::string_view scheme_name(Scheme scheme);  // "WECHATPAY2-SHA256-RSA2048", ...
std::optional<Scheme> scheme_from(std::string_view name);
crypto::KeyAlgorithm key_algorithm(Scheme scheme);

// Longest accepted value of each parameter, in bytes.
struct AuthorizationLimits {
  static constexpr std::size_t kMchid = 32;
  static constexpr std::size_t kNonce = 64;
  static constexpr std::size_t kTimestamp = 19;  // digits; int64 seconds
  static constexpr std::size_t kSerial = 64;
  static constexpr std::size_t kSignature = 1024;
};

enum class AuthorizationError {
  kNone,
  kEmpty,               // no header value at all
  kUnknownScheme,       // not one of the two WECHATPAY2- schemes
  kMalformed,           // no parameters, missing '=', stray or trailing separators
  kBadQuoting,          // value not enclosed in one pair of double quotes
  kBadCharacter,        // control, non-ASCII or backslash inside a value
  kUnknownParameter,    // a name other than the five defined ones
  kDuplicateParameter,  // the same name twice
  kMissingParameter,    // one of the five absent
  kEmptyValue,          // name=""
  kValueTooLong,        // beyond AuthorizationLimits
  kBadTimestamp,        // not decimal digits of a 64-bit count of seconds
};

std::string_view describe(AuthorizationError error);  // short English text for logs and details

struct Authorization {
  Scheme scheme = Scheme::kRsaSha256;
  std::string_view mchid;
  std::string_view nonce_str;
  std::string_view timestamp_text;  // exactly as sent: it is what was signed
  std::int64_t timestamp = 0;       // Unix seconds
  std::string_view serial_no;
  std::string_view signature;  // base64, not decoded
};

struct AuthorizationParse {
  AuthorizationError error = AuthorizationError::kNone;
  std::string_view parameter;  // the parameter at fault, when there is one
  bool ok() const { return error == AuthorizationError::kNone; }
};

AuthorizationParse parse_authorization(std::string_view header, Authorization& out);

// Replaces out with the header value for fields, in the Go SDK's parameter order.
// Values are written as given: the caller supplies well-formed ones.
void build_authorization(const Authorization& fields, std::string& out);

}  // namespace paygate::wechatpay
