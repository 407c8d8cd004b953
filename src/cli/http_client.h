#pragma once
// A small blocking HTTP/1.1 client for the command line (`paygate call`): one request over one
// fresh plain-TCP connection, then the connection is closed. http:// only. One deadline covers
// connect, write and read (the name lookup is bounded by the system resolver). The reply is
// bounded (64 KiB of headers, 16 MiB of body). Not for the gateway's own upstream traffic,
// which goes through http/connection_pool.h. Each call runs its own io_context; any thread.

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace paygate::cli {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpUrl {
  std::string host;       // name or address to connect to (IPv6 without brackets)
  std::string authority;  // host[:port] as written, for the Host header
  std::uint16_t port = 80;
  std::string target;  // path + "?query", exactly as written in the URL
};

// Parses an absolute http:// URL; the error text says what is wrong with it.
boost::system::result<HttpUrl, std::string> parse_http_url(std::string_view text);

struct HttpCall {
  std::string method;
  HttpUrl url;
  HeaderList headers;  // sent in this order after Host; Content-Length is added
  std::string body;
  std::chrono::milliseconds timeout{10000};  // connect + write + read, in total
};

struct HttpReply {
  unsigned status = 0;
  std::string reason;
  HeaderList headers;  // in received order
  std::string body;

  // The first value of header name (case-insensitive), empty when absent.
  std::string_view header(std::string_view name) const;
};

boost::system::result<HttpReply, core::Error> send_http(const HttpCall& call);

}  // namespace paygate::cli
