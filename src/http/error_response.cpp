#include "http/error_response.h"

#include "http/wire.h"

namespace paygate::http {

namespace {
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}
}  // namespace

void append_error_body(std::string& out, std::string_view code, std::string_view message) {
  out.append("{\"code\":");
  append_json_string(out, code);
  out.append(",\"message\":");
  append_json_string(out, message);
  out.push_back('}');
}

void append_response_head(std::string& out, int status, std::string_view content_type,
                          std::size_t body_size, std::string_view request_id, bool close,
                          std::string_view fields) {
  append_status_line(out, status);
  if (!content_type.empty()) append_field(out, "Content-Type", content_type);
  append_content_length(out, body_size);
  if (!request_id.empty()) {
    append_field(out, "Request-ID", request_id);
    append_field(out, "X-Request-Id", request_id);
  }
  if (close) append_field(out, "Connection", "close");
  out.append(fields);
  end_head(out);
}

void append_full_response(std::string& out, int status, std::string_view content_type,
                          std::string_view body, std::string_view request_id, bool close,
                          std::string_view fields) {
  append_response_head(out, status, content_type, body.size(), request_id, close, fields);
  out.append(body);
}

void append_error_response(std::string& out, core::ErrorKind kind, std::string_view message,
                           std::string_view request_id, bool close) {
  thread_local std::string body;
  body.clear();
  append_error_body(body, core::wechatpay_code(kind), message);
  append_full_response(out, core::http_status(kind), "application/json", body, request_id, close);
}

}  // namespace paygate::http
