#include "http/h2_response.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "http/h2_fields.h"
#include "http/head_scan.h"
#include "http/wire.h"

namespace paygate::http {

namespace {
// Our own handlers' heads; generous, since nothing here comes from a client.
constexpr HeadScanLimits kOwnHead{64 * 1024, 1024 * 1024, 1000};

}  // namespace

void H2Response::start(bool head_request) {
  wire_.clear();
  parser_.reset();
  body_.clear();
  taken_ = 0;
  nv_.clear();
  head_request_ = head_request;
}

bool H2Response::feed(std::string_view bytes) {
  wire_.append(bytes);
  if (!parser_ && !parse_head()) return false;
  if (!parser_) return true;  // the head is still arriving
  if (taken_ == body_.size()) {
    body_.clear();
    taken_ = 0;
  }
  boost::beast::error_code ec;
  const std::size_t used = feed_available(*parser_, wire_, ec);
  wire_.erase(0, used);
  return !ec && (wire_.empty() || !parser_->is_done());
}

bool H2Response::parse_head() {
  const HeadScan scan = scan_head(wire_, kOwnHead, StartLine::kStatus);
  if (scan.verdict == HeadVerdict::kIncomplete) return true;
  if (scan.verdict != HeadVerdict::kComplete) return false;
  parser_.emplace(head_, body_, std::numeric_limits<std::size_t>::max(), head_request_);
  boost::beast::error_code ec;
  parser_->feed(std::string_view(wire_).substr(0, scan.size), ec);
  if (ec && ec != boost::beast::http::error::need_more) return false;
  wire_.erase(0, scan.size);
  build_headers();
  return true;
}

void H2Response::build_headers() {
  status_.clear();
  append_decimal(status_, static_cast<std::uint64_t>(head_.status));
  const std::string_view connection = head_.fields.find(Field::connection);
  names_.clear();
  names_.reserve(head_.fields.raw().size());  // names_ must not move once nv_ points into it
  nv_.clear();
  nv_.push_back(h2_field(":status", status_));
  const auto all = head_.fields.all();
  const auto ids = head_.fields.ids();
  for (std::size_t i = 0; i < all.size(); ++i) {
    // Framing and connection fields mean nothing on a stream (RFC 9113 section 8.2.2);
    // Content-Length stays, as HTTP/2 allows.
    if (ids[i] != Field::content_length && is_hop_by_hop(ids[i], all[i].name, connection)) {
      continue;
    }
    nv_.push_back(h2_field(append_lower_name(names_, all[i].name), all[i].value));
  }
}

bool H2Response::finish() {
  if (!parser_) return false;
  if (!parser_->is_done() && parser_->need_eof()) {
    boost::beast::error_code ec;
    parser_->put_eof(ec);
  }
  return parser_->is_done() && wire_.empty();
}

std::size_t H2Response::take(std::uint8_t* to, std::size_t size) {
  const std::size_t n = std::min(size, unsent());
  std::memcpy(to, body_.data() + taken_, n);
  taken_ += n;
  return n;
}

}  // namespace paygate::http
