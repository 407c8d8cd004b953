#pragma once
// H2Response: the HTTP/1.1 response a handler writes through its exchange (http/exchange.h), as
// an HTTP/2 stream sends it: a :status and header list, connection-specific fields dropped and
// names lower-cased (RFC 9113 section 8.2.2), and the body's bytes with any chunked framing
// undone. Handlers stay protocol-blind: the proxy, signing and error paths write HTTP/1.1 for
// either protocol and the stream translates. The bytes are the gateway's own (its handlers
// wrote them), parsed by the same strict parser as an upstream's response. Per stream, reused;
// allocates nothing once warm.

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/message_head.h"
#include "http/parser.h"

namespace paygate::http {

class H2Response {
 public:
  // Starts a new response; the answer to HEAD has no body whatever its Content-Length says.
  void start(bool head_request);
  // Takes the next bytes the handler wrote. False when they do not form a response.
  bool feed(std::string_view bytes);
  // The handler returned: a body delimited by the end of the message ends here. False when the
  // response is incomplete (the stream must be reset, not ended).
  bool finish();

  bool head_ready() const { return !nv_.empty(); }
  std::span<const nghttp2_nv> headers() const { return nv_; }
  // The whole response has been parsed (the body may still be waiting to be sent).
  bool complete() const { return parser_ && parser_->is_done(); }
  // Body bytes parsed and not yet taken.
  std::size_t unsent() const { return body_.size() - taken_; }
  // Copies up to `size` unsent body bytes to `to`; returns how many.
  std::size_t take(std::uint8_t* to, std::size_t size);

 private:
  bool parse_head();
  void build_headers();

  std::string wire_;  // bytes fed and not parsed yet (a head arriving in pieces)
  ResponseHead head_;
  std::optional<ResponseParser> parser_;
  std::string body_;
  std::size_t taken_ = 0;
  std::string status_;
  std::string names_;  // the lower-cased field names nv_ points into
  std::vector<nghttp2_nv> nv_;
  bool head_request_ = false;
};

}  // namespace paygate::http
