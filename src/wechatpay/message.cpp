#include "wechatpay/message.h"

#include <charconv>

namespace paygate::wechatpay {

namespace {
void append_tail(std::string_view timestamp, std::string_view nonce, std::string_view body,
                 std::string& out) {
  out.append(timestamp).push_back('\n');
  out.append(nonce).push_back('\n');
  out.append(body).push_back('\n');
}
}  // namespace

bool parse_timestamp(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

TimestampText::TimestampText(std::int64_t seconds) {
  auto end = std::to_chars(digits_.data(), digits_.data() + digits_.size(), seconds).ptr;
  size_ = static_cast<std::size_t>(end - digits_.data());
}

void build_request_message(std::string_view method, std::string_view canonical_url,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body, std::string& out) {
  out.clear();
  out.reserve(method.size() + canonical_url.size() + timestamp.size() + nonce.size() + body.size() +
              5);
  out.append(method).push_back('\n');
  out.append(canonical_url).push_back('\n');
  append_tail(timestamp, nonce, body, out);
}

void build_response_message(std::string_view timestamp, std::string_view nonce,
                            std::string_view body, std::string& out) {
  out.clear();
  out.reserve(timestamp.size() + nonce.size() + body.size() + 3);
  append_tail(timestamp, nonce, body, out);
}

}  // namespace paygate::wechatpay
