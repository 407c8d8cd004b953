#include "config/endpoint.h"

#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <memory>

namespace paygate::config {
namespace {

using boost::asio::ip::tcp;

std::variant<std::uint16_t, std::string> parse_port(std::string_view text) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || stop != end || value == 0 || value > 65535) {
    return "the port must be a number from 1 to 65535, got '" + std::string(text) + "'";
  }
  return static_cast<std::uint16_t>(value);
}

std::variant<tcp::endpoint, std::string> lookup(const HostPort& target) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int status = ::getaddrinfo(target.host.c_str(), nullptr, &hints, &found);
  if (status != 0) {
    return "cannot resolve '" + target.host + "': " + ::gai_strerror(status);
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  for (const addrinfo* info = found; info != nullptr; info = info->ai_next) {
    tcp::endpoint endpoint;
    if (info->ai_addrlen > endpoint.capacity()) continue;
    std::memcpy(endpoint.data(), info->ai_addr, info->ai_addrlen);
    endpoint.resize(info->ai_addrlen);
    endpoint.port(target.port);
    return endpoint;
  }
  return "cannot resolve '" + target.host + "': no usable address";
}

// Letters, digits, '.', '-', '_' (names, IPv4), plus ':' and '%' inside brackets (IPv6, zone).
bool valid_host(std::string_view host, bool bracketed) {
  for (char c : host) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!plain && !(bracketed && (c == ':' || c == '%'))) return false;
  }
  return !host.empty();
}

}  // namespace

std::variant<HostPort, std::string> split_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return "expected [ipv6]:port, got '" + std::string(text) + "'";
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
      return "expected host:port (IPv6 in brackets: [::1]:9000), got '" + std::string(text) + "'";
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!valid_host(host, text.starts_with('['))) {
    return "the host in '" + std::string(text) + "' is empty or has characters a host cannot have";
  }
  auto parsed_port = parse_port(port);
  if (auto* message = std::get_if<std::string>(&parsed_port)) return std::move(*message);
  return HostPort{std::string(host), std::get<std::uint16_t>(parsed_port)};
}

std::variant<tcp::endpoint, std::string> resolve_endpoint(const HostPort& target, bool allow_dns) {
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(target.host, error);
  if (!error) return tcp::endpoint(address, target.port);
  if (!allow_dns) return "'" + target.host + "' is not an IP address and names are not resolved";
  return lookup(target);
}

}  // namespace paygate::config
