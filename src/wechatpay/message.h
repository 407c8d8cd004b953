#pragma once
// The strings WeChat Pay signs (docs/protocol.md §§1–2), built into a caller-owned buffer whose
// capacity is reused from request to request:
//   request:  METHOD\n CANONICAL_URL\n TIMESTAMP\n NONCE\n BODY\n
//   response / notification:            TIMESTAMP\n NONCE\n BODY\n
// The URL is path + "?query" exactly as sent; the body is the exact bytes (empty when none).
// Pure functions; any thread.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace paygate::wechatpay {

// Decimal text of a Unix time, on the stack.
class TimestampText {
 public:
  explicit TimestampText(std::int64_t seconds);
  std::string_view view() const { return {digits_.data(), size_}; }

 private:
  std::array<char, 24> digits_{};
  std::size_t size_ = 0;
};

// Parses Unix seconds as sent in headers: decimal digits only, no sign, fits int64.
bool parse_timestamp(std::string_view text, std::int64_t& out);

void build_request_message(std::string_view method, std::string_view canonical_url,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body, std::string& out);

void build_response_message(std::string_view timestamp, std::string_view nonce,
                            std::string_view body, std::string& out);

}  // namespace paygate::wechatpay
