#pragma once
// Endpoints of a cluster: "host:port" text to a resolved TCP endpoint. IPv6 literals are written
// in brackets ("[::1]:9000"). Resolution happens once, at load; IP literals never reach DNS.
// Blocking (getaddrinfo); call on the control thread, never on a worker.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/ip/tcp.hpp>

namespace paygate::config {

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;
};

// A HostPort, or a message saying what is wrong with the text.
std::variant<HostPort, std::string> split_host_port(std::string_view text);

// The address of host:port, or a message. With `allow_dns` false only IP literals succeed.
std::variant<boost::asio::ip::tcp::endpoint, std::string> resolve_endpoint(const HostPort& target,
                                                                           bool allow_dns);

}  // namespace paygate::config
