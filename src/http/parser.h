#pragma once
// RequestParser / ResponseParser: Beast's HTTP/1.1 parser wired to our reusable heads, with the
// checks a proxy needs on top of Beast's (RFC 9112): one Host, a valid one (http/host_field.h),
// one Content-Length with one value (Beast accepts equal duplicates and lists like "5, 5"; RFC 9110
// section 8.6 allows that repair, a proxy refuses the ambiguity), Transfer-Encoding only "chunked",
// no Transfer-Encoding on HTTP/1.0, Content-Length and Transfer-Encoding never together, target in
// origin form or http(s) absolute-form (whose authority then stands for the Host). Beast parsers
// are single-use: construct one per message (cheap, no allocation when fed one contiguous buffer).
// Call scan_head() on the bytes first; this class assumes the head in the buffer passed to put() is
// complete and strictly formed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "http/message_head.h"

namespace paygate::http {

using BeastView = boost::beast::string_view;

namespace detail {
// Records views received from Beast as offsets from the start of the head bytes.
class OffsetRecorder {
 public:
  void reset(const char* base) { base_ = base; }
  std::size_t offset(std::string_view v) const { return static_cast<std::size_t>(v.data() - base_); }
  std::string_view rebase(std::string_view raw, std::size_t off, std::size_t size) const {
    return raw.substr(off, size);
  }

 private:
  const char* base_ = nullptr;
};
}  // namespace detail

// Where a chunked body stands between put() calls, so that the framing about to be fed can be
// held to RFC 9112 section 7.1 first: every chunk line and trailer line ends in CRLF. Beast
// tolerates a bare LF in places and, in 1.81, asserts on a final chunk whose end arrives one
// byte at a time ("0\r\n" then "\n"): refusing the bare LF first avoids both.
class ChunkFraming {
 public:
  void on_chunk(std::uint64_t size) {
    data_left_ = size;
    seen_chunk_ = true;
  }
  void on_data(std::size_t n) { data_left_ -= n; }
  // `bytes` are the next ones for the parser: a reason to refuse them, or empty.
  std::string_view violation(std::string_view bytes) const;
  // The bytes hold the last chunk's line but not yet the empty line that ends the message: no
  // feed can finish it, and Beast 1.81 asserts when fed fewer than five bytes there.
  bool waiting_for_end(std::string_view bytes) const;

 private:
  std::uint64_t data_left_ = 0;
  bool seen_chunk_ = false;
};

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  // `head` and `body` belong to the connection and are reused; the body is appended to.
  RequestParser(RequestHead& head, std::string& body, std::size_t max_body);

  // Feed bytes; `head_size` is the complete head's size from scan_head (0 once the head is done).
  std::size_t feed(std::string_view bytes, boost::beast::error_code& ec);
  // After the head is parsed: a reason to refuse the request with 400, or empty.
  std::string_view violation() const { return violation_; }
  // The request carried an Expect other than 100-continue: refuse it with 417 (RFC 9110 10.1.1).
  bool expectation_failed() const { return expectation_failed_; }
  const ChunkFraming& framing() const { return framing_; }

 private:
  void on_request_impl(Verb method, BeastView method_text, BeastView target,
                       int version, boost::beast::error_code& ec) override;
  void on_response_impl(int, BeastView, int, boost::beast::error_code&) override {}
  void on_field_impl(Field id, BeastView name, BeastView value,
                     boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         boost::beast::error_code& ec) override;
  std::size_t on_body_impl(BeastView body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, BeastView, boost::beast::error_code&) override {
    framing_.on_chunk(size);
  }
  std::size_t on_chunk_body_impl(std::uint64_t, BeastView body,
                                 boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code&) override {}

  void refuse(std::string_view why, boost::beast::error_code& ec);
  void check_field(Field id, std::string_view value, boost::beast::error_code& ec);
  void finish_views();

  RequestHead& head_;
  std::string& body_;
  std::size_t max_body_;
  detail::OffsetRecorder rec_;
  std::string_view raw_input_;
  std::size_t method_off_ = 0, method_size_ = 0, target_off_ = 0, target_size_ = 0;
  std::size_t authority_off_ = 0, authority_size_ = 0;  // of an absolute-form target
  std::optional<std::size_t> host_field_;
  unsigned host_count_ = 0;
  bool has_content_length_ = false;
  bool has_transfer_encoding_ = false;
  bool expectation_failed_ = false;
  std::string_view violation_;
  ChunkFraming framing_;
};

// Parses an upstream response. Body bytes are appended to a sink the caller drains between
// feed() calls, so a large body streams through instead of being held whole.
class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  ResponseParser(ResponseHead& head, std::string& body_sink, std::size_t max_body,
                 bool head_request);

  std::size_t feed(std::string_view bytes, boost::beast::error_code& ec);
  std::string_view violation() const { return violation_; }
  const ChunkFraming& framing() const { return framing_; }

 private:
  void on_request_impl(Verb, BeastView, BeastView, int,
                       boost::beast::error_code&) override {}
  void on_response_impl(int status, BeastView reason, int version,
                        boost::beast::error_code& ec) override;
  void on_field_impl(Field id, BeastView name, BeastView value,
                     boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::beast::error_code&) override {}
  std::size_t on_body_impl(BeastView body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, BeastView, boost::beast::error_code&) override {
    framing_.on_chunk(size);
  }
  std::size_t on_chunk_body_impl(std::uint64_t, BeastView body,
                                 boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code&) override {}

  ResponseHead& head_;
  std::string& sink_;
  std::size_t max_body_;
  std::size_t body_seen_ = 0;
  detail::OffsetRecorder rec_;
  std::string_view raw_input_;
  std::size_t reason_off_ = 0, reason_size_ = 0;
  std::string_view violation_;
  ChunkFraming framing_;
};

// Feeds as much of `bytes` as the parser can take now (Beast's put() may stop after one chunk).
// "Need more input" is not an error here: the caller reads more when this returns.
template <typename Parser>
std::size_t feed_available(Parser& parser, std::string_view bytes, boost::beast::error_code& ec) {
  std::size_t total = 0;
  while (!parser.is_done() && total < bytes.size()) {
    if (parser.is_header_done() && parser.chunked()) {
      const std::string_view rest = bytes.substr(total);
      if (!parser.framing().violation(rest).empty()) {
        ec = boost::beast::http::error::bad_chunk;
        break;
      }
      if (parser.framing().waiting_for_end(rest)) break;
    }
    const std::size_t n = parser.feed(bytes.substr(total), ec);
    total += n;
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || n == 0) break;
  }
  return total;
}

}  // namespace paygate::http
