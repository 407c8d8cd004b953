#include "steps/shadow_compare.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/header_field.h"

namespace paygate::steps {

namespace json = boost::json;

namespace {

// "~1" is '/', "~0" is '~' (RFC 6901 section 4), decoded in that order.
std::string unescape_token(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out.push_back(token[++i] == '1' ? '/' : '~');
    } else {
      out.push_back(token[i]);
    }
  }
  return out;
}

// An array index as RFC 6901 writes one: "0", or digits without a leading zero.
std::optional<std::size_t> array_index(std::string_view token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (ec != std::errc{} || end != token.data() + token.size()) return std::nullopt;
  return index;
}

void remove_pointer(json::value& root, std::string_view pointer) {
  const std::size_t slash = pointer.rfind('/');
  const std::string_view parent_pointer = pointer.substr(0, slash);
  json::value* parent = &root;
  if (!parent_pointer.empty()) {
    boost::system::error_code ec;
    parent = root.find_pointer(parent_pointer, ec);
    if (parent == nullptr) return;
  }
  const std::string token = unescape_token(pointer.substr(slash + 1));
  if (json::object* object = parent->if_object()) {
    object->erase(token);
  } else if (json::array* array = parent->if_array()) {
    const auto index = array_index(token);
    if (index && *index < array->size()) array->erase(array->begin() + *index);
  }
}

std::optional<json::value> parse_json(std::string_view text, JsonReader& reader) {
  reader.parser.reset(reader.storage);
  boost::system::error_code ec;
  reader.parser.write(text.data(), text.size(),
                      ec);  // a complete text: trailing bytes are an error
  if (ec) return std::nullopt;
  return reader.parser.release();
}

}  // namespace

void remove_pointers(json::value& value, std::span<const std::string> pointers) {
  for (const std::string& pointer : pointers) remove_pointer(value, pointer);
}

bool same_body(std::string_view a, std::string_view b, std::span<const std::string> ignore,
               JsonReader& reader) {
  auto json_a = parse_json(a, reader);
  auto json_b = json_a ? parse_json(b, reader) : std::nullopt;
  if (!json_a || !json_b) return a == b;
  remove_pointers(*json_a, ignore);
  remove_pointers(*json_b, ignore);
  return *json_a == *json_b;  // object members compare by key, whatever their order
}

bool same_answer(const ComparedAnswer& primary, const ComparedAnswer& shadow,
                 std::span<const std::string> ignore, JsonReader& reader) {
  if (primary.status != shadow.status) return false;
  // Media types and codings are case-insensitive tokens (RFC 9110 sections 8.3.1, 8.4.1).
  const bool same_fields = std::equal(
      primary.fields.begin(), primary.fields.end(), shadow.fields.begin(), shadow.fields.end(),
      [](const std::string& a, const std::string& b) { return core::iequals(a, b); });
  return same_fields && same_body(primary.body, shadow.body, ignore, reader);
}

}  // namespace paygate::steps
