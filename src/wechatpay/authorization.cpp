#include "wechatpay/authorization.h"

#include <array>

#include "core/header_field.h"
#include "wechatpay/headers.h"
#include "wechatpay/message.h"

namespace paygate::wechatpay {

namespace {

using Error = AuthorizationError;

enum Parameter { kMchid, kNonce, kTimestamp, kSerial, kSignature, kParameterCount };

struct ParameterSpec {
  std::string_view name;
  std::size_t limit;
};

constexpr std::array<ParameterSpec, kParameterCount> kParameters = {{
    {"mchid", AuthorizationLimits::kMchid},
    {"nonce_str", AuthorizationLimits::kNonce},
    {"timestamp", AuthorizationLimits::kTimestamp},
    {"serial_no", AuthorizationLimits::kSerial},
    {"signature", AuthorizationLimits::kSignature},
}};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Walks the parameter list "name="value",name="value"..." left to right.
class ParameterReader {
 public:
  explicit ParameterReader(std::string_view text) : rest_(text) {}

  bool done() const { return rest_.empty(); }

  // Reads one name="value" and the separator after it.
  Error next(std::string_view& name, std::string_view& value) {
    std::size_t length = 0;
    while (length < rest_.size() && is_name_char(rest_[length])) ++length;
    if (length == 0 || length == rest_.size() || rest_[length] != '=') return Error::kMalformed;
    name = rest_.substr(0, length);
    rest_.remove_prefix(length + 1);
    if (rest_.empty() || rest_.front() != '"') return Error::kBadQuoting;
    std::size_t close = rest_.find('"', 1);
    if (close == std::string_view::npos) return Error::kBadQuoting;
    value = rest_.substr(1, close - 1);
    rest_.remove_prefix(close + 1);
    return skip_separator();
  }

 private:
  Error skip_separator() {
    if (rest_.empty()) return Error::kNone;
    if (rest_.front() != ',') return Error::kBadQuoting;  // text after the closing quote
    rest_.remove_prefix(1);
    while (!rest_.empty() && is_blank(rest_.front())) rest_.remove_prefix(1);
    return rest_.empty() ? Error::kMalformed : Error::kNone;  // trailing comma
  }

  std::string_view rest_;
};

bool is_plain_value(std::string_view value) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') return false;
  }
  return true;
}

int parameter_index(std::string_view name) {
  for (int i = 0; i < kParameterCount; ++i) {
    if (kParameters[i].name == name) return i;
  }
  return -1;
}

// Splits "SCHEME params" and resolves the scheme.
AuthorizationParse split_scheme(std::string_view header, Scheme& scheme, std::string_view& params) {
  if (header.empty()) return {Error::kEmpty, {}};
  std::size_t space = header.find(' ');
  auto known = scheme_from(header.substr(0, space));
  if (!known) return {Error::kUnknownScheme, {}};
  scheme = *known;
  if (space == std::string_view::npos) return {Error::kMalformed, {}};
  params = header.substr(space);
  while (!params.empty() && params.front() == ' ') params.remove_prefix(1);
  if (params.empty()) return {Error::kMalformed, {}};
  return {};
}

AuthorizationParse check_value(int index, std::string_view value) {
  std::string_view name = kParameters[index].name;
  if (value.empty()) return {Error::kEmptyValue, name};
  if (!is_plain_value(value)) return {Error::kBadCharacter, name};
  if (value.size() > kParameters[index].limit) return {Error::kValueTooLong, name};
  return {};
}

AuthorizationParse read_parameters(std::string_view params,
                                   std::array<std::string_view, kParameterCount>& values) {
  std::array<bool, kParameterCount> seen{};
  ParameterReader reader(params);
  while (!reader.done()) {
    std::string_view name, value;
    if (Error error = reader.next(name, value); error != Error::kNone) {
      return {error, error == Error::kMalformed ? std::string_view() : name};
    }
    int index = parameter_index(name);
    if (index < 0) return {Error::kUnknownParameter, name};
    if (seen[index]) return {Error::kDuplicateParameter, name};
    seen[index] = true;
    if (auto checked = check_value(index, value); !checked.ok()) return checked;
    values[index] = value;
  }
  for (int i = 0; i < kParameterCount; ++i) {
    if (!seen[i]) return {Error::kMissingParameter, kParameters[i].name};
  }
  return {};
}

}  // namespace

std::string_view scheme_name(Scheme scheme) {
  return scheme == Scheme::kRsaSha256 ? kRsaScheme : kSm2Scheme;
}

std::optional<Scheme> scheme_from(std::string_view name) {
  if (core::iequals(name, kRsaScheme)) return Scheme::kRsaSha256;
  if (core::iequals(name, kSm2Scheme)) return Scheme::kSm2Sm3;
  return std::nullopt;
}

crypto::KeyAlgorithm key_algorithm(Scheme scheme) {
  return scheme == Scheme::kRsaSha256 ? crypto::KeyAlgorithm::kRsa : crypto::KeyAlgorithm::kSm2;
}

std::string_view describe(AuthorizationError error) {
  switch (error) {
    case Error::kNone:
      return "ok";
    case Error::kEmpty:
      return "Authorization header is empty";
    case Error::kUnknownScheme:
      return "unknown Authorization scheme";
    case Error::kMalformed:
      return "malformed Authorization parameters";
    case Error::kBadQuoting:
      return "Authorization parameter value is not properly quoted";
    case Error::kBadCharacter:
      return "Authorization parameter value has a forbidden character";
    case Error::kUnknownParameter:
      return "unknown Authorization parameter";
    case Error::kDuplicateParameter:
      return "duplicate Authorization parameter";
    case Error::kMissingParameter:
      return "missing Authorization parameter";
    case Error::kEmptyValue:
      return "empty Authorization parameter value";
    case Error::kValueTooLong:
      return "Authorization parameter value too long";
    case Error::kBadTimestamp:
      return "Authorization timestamp is not a number of seconds";
  }
  return "unknown";
}

AuthorizationParse parse_authorization(std::string_view header, Authorization& out) {
  std::string_view params;
  if (auto split = split_scheme(header, out.scheme, params); !split.ok()) return split;
  std::array<std::string_view, kParameterCount> values;
  if (auto read = read_parameters(params, values); !read.ok()) return read;
  if (!parse_timestamp(values[kTimestamp], out.timestamp)) {
    return {Error::kBadTimestamp, kParameters[kTimestamp].name};
  }
  out.mchid = values[kMchid];
  out.nonce_str = values[kNonce];
  out.timestamp_text = values[kTimestamp];
  out.serial_no = values[kSerial];
  out.signature = values[kSignature];
  return {};
}

void build_authorization(const Authorization& fields, std::string& out) {
  TimestampText seconds(fields.timestamp);
  out.assign(scheme_name(fields.scheme));
  out.append(" mchid=\"").append(fields.mchid);
  out.append("\",nonce_str=\"").append(fields.nonce_str);
  out.append("\",timestamp=\"").append(seconds.view());
  out.append("\",serial_no=\"").append(fields.serial_no);
  out.append("\",signature=\"").append(fields.signature).append("\"");
}

}  // namespace paygate::wechatpay
