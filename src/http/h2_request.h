#pragma once
// H2RequestHead: an HTTP/2 request's header list written out as the HTTP/1.1 head the rest of
// the server parses, so that a request is held to the same strict parser, path rules, method
// checks and limits whichever protocol it came by (RFC 9113 section 8.3; RFC 9112):
//   ":method :path HTTP/1.1", Host from :authority, every other field as it came, Cookie crumbs
//   joined with "; " (RFC 9113 section 8.2.3), and the Content-Length of the body received.
// nghttp2 has already held the list to RFC 9113 (pseudo-header fields first and once, lower-case
// names, no connection-specific fields, no CR, LF or NUL in a value, content-length equal to the
// DATA received). A Host field that differs from :authority is written out beside it, so the
// parser refuses the two Hosts as it would on HTTP/1.1. Per stream, reused; allocates nothing
// once warm.

#include <cstddef>
#include <string>
#include <string_view>

namespace paygate::http {

class H2RequestHead {
 public:
  // Starts a new request whose header list may hold `max_bytes` (name + value + 32 per field,
  // as SETTINGS_MAX_HEADER_LIST_SIZE counts it: RFC 9113 section 6.5.2).
  void start(std::size_t max_bytes);
  // One field of the list. Past the limit, the fields are dropped and too_large() turns true.
  void add(std::string_view name, std::string_view value);
  bool too_large() const { return too_large_; }
  std::string_view method() const { return method_; }
  // The HTTP/1.1 head of the complete request; valid until the next start().
  std::string_view finish(std::size_t body_size);

 private:
  std::string method_, path_, authority_;
  std::string fields_;  // "name: value\r\n" each
  std::string cookie_;  // the crumbs, joined
  std::string head_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_ = 0;
  bool too_large_ = false;
  bool content_length_ = false;  // the client sent one (nghttp2 checked it against the DATA)
};

}  // namespace paygate::http
