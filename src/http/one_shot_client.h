#pragma once
// A small blocking HTTP client for requests made now and then, off the request path (`paygate
// call`, the merchant role's certificate downloads): one request over one fresh connection, then
// the connection is closed. http:// (HTTP/1.1) or https:// (TLS through
// tls::ClientContext: the server's certificate verified against a CA file or the system's
// bundle, and its name; HTTP/2 when the server chooses h2 by ALPN, else HTTP/1.1). One deadline
// covers connect, handshake, write and read (the name lookup is bounded by the system resolver).
// The reply is bounded (64 KiB of headers, 16 MiB of body). Not for the gateway's own upstream
// traffic, which goes through http/connection_pool.h. Each call runs its own io_context; any
// thread.

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "tls/client_context.h"

namespace paygate::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpUrl {
  bool tls = false;         // https://
  std::string host;         // name or address to connect to (IPv6 without brackets)
  std::string authority;    // host[:port] as written, for the Host header
  std::uint16_t port = 80;  // 443 for https:// unless given
  std::string target;       // path + "?query", exactly as written in the URL
};

// Parses an absolute http:// or https:// URL; the error text says what is wrong with it.
boost::system::result<HttpUrl, std::string> parse_http_url(std::string_view text);

struct HttpCall {
  std::string method;
  HttpUrl url;
  HeaderList headers;  // sent in this order after Host; Content-Length is added
  std::string body;
  std::chrono::milliseconds timeout{10000};  // connect + handshake + write + read, in total
  std::string ca_file;  // https://: the CAs the server's certificate must chain to; "" = system
  // https://: a context to use instead of one built from ca_file (a cluster's), and the name to
  // send as SNI and verify instead of url.host (a cluster's tls.sni).
  std::shared_ptr<const tls::ClientContext> context;
  std::string server_name;
};

struct HttpReply {
  std::string protocol = "HTTP/1.1";  // or "HTTP/2", when the server chose h2 by ALPN
  unsigned status = 0;
  std::string reason;
  HeaderList headers;  // in received order
  std::string body;

  // The first value of header name (case-insensitive), empty when absent.
  std::string_view header(std::string_view name) const;
};

boost::system::result<HttpReply, core::Error> send_http(const HttpCall& call);

}  // namespace paygate::http
