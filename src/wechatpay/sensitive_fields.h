#pragma once
// Personal data in WeChat Pay v3 JSON bodies, for whatever shows a body to an operator (the
// shadow traffic's mismatch log): a member is sensitive when its name is one of kSensitiveNames
// (openid, phone numbers, names, ID and bank account numbers, an encrypted resource's ciphertext)
// or ends with one of kSensitiveSuffixes (payer_phone, id_card_number, sub_openid). Names compare
// exactly: the protocol writes them in lower case. Pure functions; any thread.

#include <array>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace paygate::wechatpay {

inline constexpr std::string_view kRedactedValue = "<redacted>";

inline constexpr std::array<std::string_view, 10> kSensitiveNames{
    "openid",  "name",    "phone",     "mobile",     "email",
    "address", "id_card", "id_number", "ciphertext", "account_number"};
inline constexpr std::array<std::string_view, 6> kSensitiveSuffixes{"_openid", "_name",  "_phone",
                                                                    "_mobile", "_email", "_number"};

bool is_sensitive_name(std::string_view name);

// Replaces the value of every sensitive member, at any depth, with kRedactedValue.
void redact_sensitive_fields(boost::json::value& value);

// `body` for a log line: JSON with its sensitive members redacted, serialised and cut to
// `max_bytes` ("..." marks the cut); anything else only as its size ("<123 bytes, not JSON>"),
// because nothing says which of its bytes are personal.
std::string redacted_body(std::string_view body, std::size_t max_bytes);

}  // namespace paygate::wechatpay
