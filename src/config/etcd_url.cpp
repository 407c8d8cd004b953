#include "config/etcd_url.h"

#include <charconv>

namespace paygate::config {
namespace {

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

// Key bytes: printable ASCII except the characters that would make the URL mean something
// else (query, fragment, escapes) or that a shell or a log line would mangle.
bool is_key_char(char c) {
  return c > ' ' && c < 0x7f && c != '?' && c != '#' && c != '%' && c != '\\';
}

// Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on a chain of string `+`.
EtcdUrlParse refuse(std::string_view text, std::string_view why) {
  std::string message = "'";
  message.append(text).append("' is not an etcd URL (etcd://HOST:PORT/KEY): ").append(why);
  return {std::nullopt, std::move(message)};
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// Splits "host:port", "[v6]:port", "host" into host and port text.
bool split_authority(std::string_view authority, std::string_view& host, std::string_view& port) {
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    port = rest.empty() ? rest : rest.substr(1);
    return !host.empty() && host.find_first_not_of("0123456789abcdefABCDEF:.") == host.npos;
  }
  const auto colon = authority.find(':');
  host = authority.substr(0, colon);
  port = colon == authority.npos ? std::string_view{} : authority.substr(colon + 1);
  if (host.empty()) return false;
  for (char c : host) {
    if (!is_host_char(c)) return false;
  }
  return true;
}

}  // namespace

bool is_etcd_url(std::string_view text) { return text.starts_with(kEtcdScheme); }

EtcdUrlParse parse_etcd_url(std::string_view text) {
  if (!is_etcd_url(text)) return refuse(text, "it does not start with etcd://");
  const std::string_view rest = text.substr(kEtcdScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return refuse(text, "no key after the address");
  std::string_view authorities = rest.substr(0, slash);
  const std::string_view key = rest.substr(slash);
  if (authorities.find('@') != authorities.npos) return refuse(text, "user info is not supported");
  EtcdUrl url;
  while (true) {
    const auto comma = authorities.find(',');
    const std::string_view authority = authorities.substr(0, comma);
    std::string_view host;
    std::string_view port_text;
    if (!split_authority(authority, host, port_text)) return refuse(text, "bad host");
    if (authority.ends_with(':')) return refuse(text, "empty port");
    EtcdMember member{std::string(host)};
    if (!port_text.empty()) {
      const auto port = parse_port(port_text);
      if (!port) return refuse(text, "the port is not a number from 1 to 65535");
      member.port = *port;
    }
    url.members.push_back(std::move(member));
    if (url.members.size() > kMaxEtcdMembers) return refuse(text, "more than 16 members");
    if (comma == std::string_view::npos) break;
    authorities.remove_prefix(comma + 1);
  }
  if (key.size() < 2) return refuse(text, "empty key");
  if (key.size() > kMaxEtcdKeyBytes) return refuse(text, "the key is longer than 1024 bytes");
  for (char c : key) {
    if (!is_key_char(c)) {
      return refuse(text, "the key may hold only printable ASCII without spaces, ?, #, % or \\");
    }
  }
  url.key = std::string(key);
  url.text = std::string(text);
  return {std::move(url), ""};
}

}  // namespace paygate::config
