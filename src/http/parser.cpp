#include "http/parser.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>

#include "core/header_field.h"
#include "http/host_field.h"

namespace paygate::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

bool is_exactly_chunked(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return core::iequals(v, "chunked");
}

bool origin_form(Verb method, std::string_view target) {
  if (!target.empty() && target.front() == '/') return true;
  return method == Verb::options && target == "*";
}

// The length of "http://" or "https://" (any case) at the start of an absolute-form target, or 0.
std::size_t absolute_form_scheme(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && core::iequals(target.substr(0, scheme.size()), scheme)) {
      return scheme.size();
    }
  }
  return 0;
}

}  // namespace

// ---- requests ----

RequestParser::RequestParser(RequestHead& head, std::string& body, std::size_t max_body)
    : head_(head), body_(body), max_body_(max_body) {
  header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(UINT32_MAX, 1u << 24)));
  body_limit(max_body);
  head_.fields.clear();
  head_.method = Verb::unknown;  // until the request line is parsed: a refusal may not know it
  // The views pointed into the last head's bytes, which fields.clear() just emptied: a refusal
  // before finish_views() (a bad Host, a duplicate Content-Length) must not log them.
  head_.method_text = head_.target = head_.raw_path = head_.path = head_.query = head_.host = {};
  head_.absolute_form = false;
  head_.expect_continue = false;
  head_.keep_alive = true;
  body_.clear();
}

std::size_t RequestParser::feed(std::string_view bytes, beast::error_code& ec) {
  if (!is_header_done()) {
    rec_.reset(bytes.data());
    raw_input_ = bytes;
  }
  return put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
}

void RequestParser::refuse(std::string_view why, beast::error_code& ec) {
  if (violation_.empty()) violation_ = why;
  ec = bhttp::error::bad_field;
}

void RequestParser::on_request_impl(Verb method, BeastView method_text,
                                    BeastView target, int version, beast::error_code& ec) {
  head_.method = method;
  head_.version = static_cast<unsigned>(version);
  method_off_ = rec_.offset(method_text);
  method_size_ = method_text.size();
  target_off_ = rec_.offset(target);
  target_size_ = target.size();
  if (version != 10 && version != 11) refuse("unsupported HTTP version", ec);
  if (origin_form(method, target)) return;
  // absolute-form (RFC 9112 section 3.2.2): the authority becomes the Host, the rest the target.
  const std::size_t scheme = absolute_form_scheme(target);
  const std::size_t authority_end = std::min(target.find_first_of("/?", scheme), target.size());
  const std::string_view authority = target.substr(scheme, authority_end - scheme);
  if (scheme == 0 || authority.empty() || authority.find('@') != std::string_view::npos) {
    return refuse("request target is neither origin-form nor an http(s) absolute-form", ec);
  }
  if (!is_valid_host(authority)) return refuse("invalid host in the request target", ec);
  authority_off_ = target_off_ + scheme;
  authority_size_ = authority.size();
  target_off_ += authority_end;
  target_size_ -= authority_end;
}

void RequestParser::check_field(Field id, std::string_view value, beast::error_code& ec) {
  switch (id) {
    case Field::host:
      host_field_ = head_.fields.ids().size() - 1;
      if (++host_count_ > 1) refuse("duplicate Host header", ec);
      if (!is_valid_host(value)) refuse("invalid Host header", ec);
      break;
    case Field::content_length:
      if (has_content_length_) refuse("duplicate Content-Length header", ec);
      has_content_length_ = true;
      if (value.find(',') != std::string_view::npos) refuse("Content-Length is a list", ec);
      break;
    case Field::transfer_encoding:
      if (has_transfer_encoding_) refuse("duplicate Transfer-Encoding header", ec);
      has_transfer_encoding_ = true;
      if (!is_exactly_chunked(value)) refuse("Transfer-Encoding other than chunked", ec);
      if (head_.version == 10) refuse("Transfer-Encoding in an HTTP/1.0 request", ec);
      break;
    case Field::expect:
      if (!core::iequals(value, "100-continue")) {
        expectation_failed_ = true;
        refuse("unsupported Expect value", ec);
      }
      head_.expect_continue = true;
      break;
    default:
      break;
  }
}

void RequestParser::on_field_impl(Field id, BeastView name, BeastView value,
                                  beast::error_code& ec) {
  if (is_header_done()) return;  // trailer fields are dropped, never forwarded
  head_.fields.record(id, rec_.offset(name), name.size(), rec_.offset(value), value.size());
  check_field(id, value, ec);
}

void RequestParser::on_header_impl(beast::error_code& ec) {
  finish_views();
  head_.keep_alive = head_.keep_alive && keep_alive();
  if (head_.version == 11 && host_count_ == 0) refuse("missing Host header", ec);
  if (head_.version == 10) head_.expect_continue = false;
}

void RequestParser::finish_views() {
  // The caller feeds exactly the head (sized by scan_head) first, so raw_input_ is the head.
  head_.fields.adopt(raw_input_);
  std::string_view raw = head_.fields.raw();
  head_.method_text = raw.substr(method_off_, method_size_);
  head_.target = raw.substr(target_off_, target_size_);
  std::size_t q = head_.target.find('?');
  head_.raw_path = head_.target.substr(0, q);
  head_.path = head_.raw_path;  // normalised later, by normalise_request_path()
  head_.query = q == std::string_view::npos ? std::string_view{} : head_.target.substr(q + 1);
  head_.absolute_form = authority_size_ != 0;
  if (head_.absolute_form) {
    head_.host = raw.substr(authority_off_, authority_size_);  // the Host field is ignored
  } else {
    head_.host = host_field_ ? head_.fields.all()[*host_field_].value : std::string_view{};
  }
  head_.keep_alive = !core::list_has_token(head_.fields.find(Field::connection), "close");
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length,
                                      beast::error_code& ec) {
  if (length && *length > max_body_) ec = bhttp::error::body_limit;
}

std::size_t RequestParser::on_body_impl(BeastView body, beast::error_code& ec) {
  if (body_.size() + body.size() > max_body_) {
    ec = bhttp::error::body_limit;
    return 0;
  }
  body_.append(body);
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, BeastView body,
                                              beast::error_code& ec) {
  const std::size_t n = on_body_impl(body, ec);
  framing_.on_data(n);
  return n;
}

// ---- responses ----

ResponseParser::ResponseParser(ResponseHead& head, std::string& body_sink, std::size_t max_body,
                               bool head_request)
    : head_(head), sink_(body_sink), max_body_(max_body) {
  header_limit(1u << 20);
  body_limit(max_body);
  skip(head_request);
  head_.fields.clear();
  sink_.clear();  // the sink is per connection: a failed response must not leak into the next
}

std::size_t ResponseParser::feed(std::string_view bytes, beast::error_code& ec) {
  if (!is_header_done()) {
    rec_.reset(bytes.data());
    raw_input_ = bytes;
  }
  return put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
}

void ResponseParser::on_response_impl(int status, BeastView reason, int version,
                                      beast::error_code& ec) {
  head_.status = status;
  head_.version = static_cast<unsigned>(version);
  reason_off_ = rec_.offset(reason);
  reason_size_ = reason.size();
  if (status < 100 || status > 599) {
    violation_ = "bad status code";
    ec = bhttp::error::bad_status;
  }
}

void ResponseParser::on_field_impl(Field id, BeastView name, BeastView value,
                                   beast::error_code& ec) {
  if (is_header_done()) return;
  head_.fields.record(id, rec_.offset(name), name.size(), rec_.offset(value), value.size());
  if (id == Field::transfer_encoding && !is_exactly_chunked(value)) {
    violation_ = "Transfer-Encoding other than chunked";
    ec = bhttp::error::bad_transfer_encoding;
  }
}

void ResponseParser::on_header_impl(beast::error_code&) {
  head_.fields.adopt(raw_input_);
  head_.reason = head_.fields.raw().substr(reason_off_, reason_size_);
  head_.keep_alive = keep_alive();
}

std::size_t ResponseParser::on_body_impl(BeastView body, beast::error_code& ec) {
  body_seen_ += body.size();
  if (body_seen_ > max_body_) {
    ec = bhttp::error::body_limit;
    return 0;
  }
  sink_.append(body);
  return body.size();
}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, BeastView body,
                                               beast::error_code& ec) {
  const std::size_t n = on_body_impl(body, ec);
  framing_.on_data(n);
  return n;
}

// ---- chunked framing ----

namespace {
// The last chunk's line ("0", extensions allowed) at the front of `framing`.
bool starts_with_last_chunk(std::string_view framing) {
  const auto digits = framing.find_first_not_of('0');
  return digits > 0 && (digits == std::string_view::npos ||
                        !std::isxdigit(static_cast<unsigned char>(framing[digits])));
}
}  // namespace

bool ChunkFraming::waiting_for_end(std::string_view bytes) const {
  if (data_left_ > 0) return false;
  std::string_view rest = bytes;
  if (seen_chunk_ && rest.starts_with("\r\n")) rest.remove_prefix(2);
  const auto lf = rest.find('\n');
  if (lf == std::string_view::npos || !starts_with_last_chunk(rest)) return false;
  return rest.size() - (lf + 1) < 2;  // not even the empty line yet
}

std::string_view ChunkFraming::violation(std::string_view bytes) const {
  if (data_left_ > 0) return {};  // the bytes start with chunk data, which may hold anything
  std::string_view rest = bytes;
  if (seen_chunk_ && rest.starts_with("\r\n")) rest.remove_prefix(2);  // the data's CRLF
  const auto lf = rest.find('\n');
  if (lf == std::string_view::npos) return {};  // the line is still arriving
  if (lf == 0 || rest[lf - 1] != '\r') return "bare LF in chunked framing";
  // The last chunk ("0", extensions allowed): the trailer section up to the empty line is all
  // framing too.
  if (!starts_with_last_chunk(rest)) return {};
  const std::string_view trailers = rest.substr(lf + 1);
  if (trailers.starts_with("\r\n")) return {};  // no trailers: the message ends here
  for (std::size_t i = 0; i < trailers.size(); ++i) {
    if (trailers[i] == '\n' && (i == 0 || trailers[i - 1] != '\r')) {
      return "bare LF in chunked framing";
    }
    if (i >= 3 && trailers.substr(i - 3, 4) == "\r\n\r\n") break;  // the end of the message
  }
  return {};
}

}  // namespace paygate::http
