#include "http/h2_early_streams.h"

#include <algorithm>
#include <cstring>

namespace paygate::http {

namespace {
constexpr unsigned char kHeadersFrame = 0x1;  // RFC 9113 section 6.2
}

void H2EarlyStreams::received(std::string_view bytes, bool early) {
  if (finished_ || bytes.empty()) return;
  if (early) {
    walk(bytes);
    return;
  }
  // Early data ended on a frame boundary or inside a frame's payload: no later frame began in
  // it. Inside a frame header: that frame did, and its header's end says which stream it is for.
  if (header_have_ > 0) walk(bytes.substr(0, kFrameHeaderSize - header_have_));
  finished_ = header_have_ == 0;
}

void H2EarlyStreams::walk(std::string_view bytes) {
  const std::size_t preface = std::min(preface_left_, bytes.size());
  preface_left_ -= preface;
  bytes.remove_prefix(preface);
  while (!bytes.empty()) {
    if (payload_left_ > 0) {
      const std::size_t skipped = std::min(payload_left_, bytes.size());
      payload_left_ -= skipped;
      bytes.remove_prefix(skipped);
      continue;
    }
    const std::size_t taken = std::min(kFrameHeaderSize - header_have_, bytes.size());
    std::memcpy(header_.data() + header_have_, bytes.data(), taken);
    header_have_ += taken;
    bytes.remove_prefix(taken);
    if (header_have_ == kFrameHeaderSize) on_frame_header();
  }
}

void H2EarlyStreams::on_frame_header() {
  const auto& h = header_;
  header_have_ = 0;
  payload_left_ = (std::size_t{h[0]} << 16) | (std::size_t{h[1]} << 8) | h[2];
  if (h[3] != kHeadersFrame) return;
  const auto id =
      static_cast<std::int32_t>((std::uint32_t{h[5]} & 0x7f) << 24 | std::uint32_t{h[6]} << 16 |
                                std::uint32_t{h[7]} << 8 | h[8]);
  last_early_ = std::max(last_early_, id);
}

}  // namespace paygate::http
