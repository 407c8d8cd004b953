#include "http/wire.h"

#include <array>
#include <charconv>

#include <boost/beast/http/status.hpp>

namespace paygate::http {

std::string_view reason_phrase(int status) {
  if (status == 425) return "Too Early";  // RFC 8470, newer than Beast's table
  auto text = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return text.empty() ? std::string_view("Unknown") : std::string_view(text.data(), text.size());
}

void append_decimal(std::string& out, std::uint64_t value) {
  std::array<char, 24> digits;
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  (void)ec;
  out.append(digits.data(), end);
}

void append_status_line(std::string& out, int status) {
  out.append("HTTP/1.1 ");
  append_decimal(out, static_cast<std::uint64_t>(status));
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");
}

void append_request_line(std::string& out, std::string_view method, std::string_view target) {
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void append_content_length(std::string& out, std::uint64_t length) {
  out.append("Content-Length: ");
  append_decimal(out, length);
  out.append("\r\n");
}

void end_head(std::string& out) { out.append("\r\n"); }

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  std::array<char, 20> hex;
  auto [end, ec] = std::to_chars(hex.data(), hex.data() + hex.size(), data.size(), 16);
  (void)ec;
  out.append(hex.data(), end);
  out.append("\r\n");
  out.append(data);
  out.append("\r\n");
}

void append_last_chunk(std::string& out) { out.append("0\r\n\r\n"); }

bool is_hop_by_hop(Field id, std::string_view name, std::string_view connection_value) {
  switch (id) {
    case Field::connection:
    case Field::keep_alive:
    case Field::proxy_connection:
    case Field::te:
    case Field::trailer:
    case Field::transfer_encoding:
    case Field::upgrade:
    case Field::proxy_authorization:
    case Field::proxy_authenticate:
    case Field::content_length:  // re-created from the body we send
    case Field::expect:          // answered by the gateway itself
      return true;
    default:
      break;
  }
  return !connection_value.empty() && core::list_has_token(connection_value, name);
}

namespace {
bool is_replaced(std::string_view name, std::span<const std::string_view> replaced,
                 std::string_view replaced_prefix) {
  if (!replaced_prefix.empty() && core::field_name_starts_with(name, replaced_prefix)) return true;
  for (std::string_view r : replaced) {
    if (core::field_names_collide(name, r)) return true;
  }
  return false;
}
}  // namespace

void append_end_to_end_fields(std::string& out, const HeadFields& fields,
                              std::initializer_list<std::string_view> replaced,
                              std::string_view replaced_prefix) {
  append_end_to_end_fields(out, fields, std::span(replaced.begin(), replaced.size()),
                           replaced_prefix);
}

void append_end_to_end_fields(std::string& out, const HeadFields& fields,
                              std::span<const std::string_view> replaced,
                              std::string_view replaced_prefix) {
  const std::string_view connection = fields.find(Field::connection);
  const auto all = fields.all();
  const auto ids = fields.ids();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (is_hop_by_hop(ids[i], all[i].name, connection)) continue;
    if (is_replaced(all[i].name, replaced, replaced_prefix)) continue;
    append_field(out, all[i].name, all[i].value);
  }
}

void append_list_field(std::string& out, std::string_view name, std::string_view prior,
                       std::string_view added) {
  out.append(name).append(": ");
  if (!prior.empty()) out.append(prior).append(", ");
  out.append(added).append("\r\n");
}

}  // namespace paygate::http
