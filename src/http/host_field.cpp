#include "http/host_field.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace paygate::http {

namespace {

bool is_reg_name_char(char c) {
  // RFC 3986 unreserved and sub-delims; '%' (pct-encoded) is left out on purpose.
  constexpr std::string_view kSymbols = "-._~!$&'()*+,;=";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kSymbols.find(c) != std::string_view::npos;
}

bool is_ipv6_literal(std::string_view literal) {
  // "[" IPv6address "]": hex digits, ':' and '.' (an embedded IPv4), checked by inet_pton.
  if (literal.size() < 4 || literal.front() != '[' || literal.back() != ']') return false;
  const std::string_view inner = literal.substr(1, literal.size() - 2);
  std::array<char, 64> text{};
  if (inner.size() >= text.size()) return false;
  const bool charset = std::all_of(inner.begin(), inner.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
  });
  if (!charset) return false;
  std::copy(inner.begin(), inner.end(), text.begin());
  in6_addr address{};
  return inet_pton(AF_INET6, text.data(), &address) == 1;
}

bool is_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

}  // namespace

bool is_valid_host(std::string_view value) {
  if (value.empty()) return true;
  std::string_view host = value;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = value.substr(0, close + 1);
    if (!is_ipv6_literal(host)) return false;
  } else {
    host = value.substr(0, value.find(':'));
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_reg_name_char)) return false;
  }
  if (host.size() == value.size()) return true;
  return value[host.size()] == ':' && is_port(value.substr(host.size() + 1));
}

}  // namespace paygate::http
