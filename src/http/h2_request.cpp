#include "http/h2_request.h"

#include "http/wire.h"

namespace paygate::http {

namespace {
// RFC 9113 section 6.5.2: the size of a field is its name and value plus 32 octets.
constexpr std::size_t kFieldOverhead = 32;
}  // namespace

void H2RequestHead::start(std::size_t max_bytes) {
  method_.clear();
  path_.clear();
  authority_.clear();
  fields_.clear();
  cookie_.clear();
  bytes_ = 0;
  max_bytes_ = max_bytes;
  too_large_ = false;
  content_length_ = false;
}

void H2RequestHead::add(std::string_view name, std::string_view value) {
  bytes_ += name.size() + value.size() + kFieldOverhead;
  if (bytes_ > max_bytes_) too_large_ = true;
  if (too_large_) return;
  if (name.starts_with(':')) {
    if (name == ":method") method_.assign(value);
    if (name == ":path") path_.assign(value);
    if (name == ":authority") authority_.assign(value);
    return;  // :scheme (and :protocol) say nothing an HTTP/1.1 head carries
  }
  if (name == "cookie") {
    if (!cookie_.empty()) cookie_.append("; ");
    cookie_.append(value);
    return;
  }
  if (name == "content-length") {
    content_length_ = true;
    return;  // written from the body received
  }
  if (name == "te") return;  // only "trailers" gets past nghttp2; hop-by-hop on HTTP/1.1
  if (name == "host" && value == authority_) return;  // said once, from :authority
  append_field(fields_, name, value);
}

std::string_view H2RequestHead::finish(std::size_t body_size) {
  head_.clear();
  // CONNECT has no :path; its authority-form target is refused like CONNECT on HTTP/1.1.
  append_request_line(head_, method_, path_.empty() ? authority_ : std::string_view(path_));
  if (!authority_.empty()) append_field(head_, "Host", authority_);
  head_.append(fields_);
  if (!cookie_.empty()) append_field(head_, "Cookie", cookie_);
  if (body_size > 0 || content_length_) append_content_length(head_, body_size);
  end_head(head_);
  return head_;
}

}  // namespace paygate::http
