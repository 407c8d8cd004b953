#include "config/redact.h"

#include <algorithm>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/header_field.h"

namespace paygate::config {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

bool has_secret_word(std::string_view key) {
  const std::string name = lower(key);
  auto contains = [&](std::string_view word) { return name.find(word) != std::string::npos; };
  return std::any_of(kSecretWords.begin(), kSecretWords.end(), contains);
}

}  // namespace

bool is_secret_key(std::string_view key) {
  const std::string name = lower(key);
  if (std::find(kSecretKeys.begin(), kSecretKeys.end(), name) != kSecretKeys.end()) return true;
  if (std::find(kFileKeys.begin(), kFileKeys.end(), key) != kFileKeys.end()) return false;
  return has_secret_word(name);
}

void redact_secrets(boost::json::value& value) {
  if (auto* array = value.if_array()) {
    for (auto& item : *array) redact_secrets(item);
    return;
  }
  auto* object = value.if_object();
  if (object == nullptr) return;
  for (auto& field : *object) {
    if (is_secret_key(field.key())) {
      field.value() = kRedacted;
    } else {
      redact_secrets(field.value());
    }
  }
}

bool is_secret_header(std::string_view name) {
  return core::iequals(name, "authorization") || core::iequals(name, "proxy-authorization") ||
         core::iequals(name, "cookie") || has_secret_word(name);
}

}  // namespace paygate::config
