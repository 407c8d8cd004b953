#pragma once
// H2EarlyStreams: which streams of an HTTP/2 connection were opened in TLS 1.3 early data, so
// that their requests are treated as early (a possible replay, RFC 8470) like an HTTP/1.1
// request whose bytes were. A stream is early when the HEADERS frame that opened it began in
// early data, even if the rest of the frame came after the handshake.
//
// It reads the frame headers of the early bytes itself (the 24-octet preface, then 9 octets of
// length, type, flags and stream id per frame), ahead of nghttp2, and nothing after them but the
// few octets that end a frame header begun in early data. Client stream ids only grow, so the
// highest id of such a HEADERS frame tells every early stream. Worker-thread confined.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace paygate::http {

class H2EarlyStreams {
 public:
  // The connection's bytes in the order they arrive; `early`: they came as early data (which
  // only ever comes first).
  void received(std::string_view bytes, bool early);
  // Whether stream `id` opened in early data.
  bool early(std::int32_t id) const { return id <= last_early_; }

 private:
  static constexpr std::size_t kPrefaceSize = 24;
  static constexpr std::size_t kFrameHeaderSize = 9;

  void walk(std::string_view bytes);
  void on_frame_header();

  std::size_t preface_left_ = kPrefaceSize;
  std::array<unsigned char, kFrameHeaderSize> header_{};
  std::size_t header_have_ = 0;
  std::size_t payload_left_ = 0;
  std::int32_t last_early_ = 0;
  bool finished_ = false;  // nothing more can be early
};

}  // namespace paygate::http
