#include "router/header_match.h"

#include <algorithm>
#include <string_view>
#include <tuple>

#include "core/token.h"

namespace paygate::router {

namespace {

auto key(const HeaderMatch& match) {
  // A presence check ignores the value, so its value must not make two equal conditions differ.
  const std::string_view value = match.present_only ? std::string_view() : match.value;
  return std::tuple(std::string_view(match.name), match.present_only, value);
}

bool holds(const HeaderMatch& condition, std::span<const core::HeaderField> headers) {
  return std::any_of(headers.begin(), headers.end(), [&](const core::HeaderField& field) {
    return core::iequals(field.name, condition.name) &&
           (condition.present_only || field.value == condition.value);
  });
}

}  // namespace

Compiled<HeaderMatcher> HeaderMatcher::compile(const std::vector<HeaderMatch>& headers) {
  Compiled<HeaderMatcher> result;
  for (HeaderMatch condition : headers) {
    if (!core::is_token(condition.name)) {
      result.error = "bad header name \"" + condition.name + "\"";
      return result;
    }
    for (char& c : condition.name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (condition.present_only) condition.value.clear();
    result.value.conditions_.push_back(std::move(condition));
  }
  auto& conditions = result.value.conditions_;
  const auto by_key = [](const HeaderMatch& a, const HeaderMatch& b) { return key(a) < key(b); };
  const auto same_key = [](const HeaderMatch& a, const HeaderMatch& b) { return key(a) == key(b); };
  std::sort(conditions.begin(), conditions.end(), by_key);
  conditions.erase(std::unique(conditions.begin(), conditions.end(), same_key), conditions.end());
  return result;
}

bool HeaderMatcher::matches(std::span<const core::HeaderField> headers) const {
  return std::all_of(conditions_.begin(), conditions_.end(),
                     [&](const HeaderMatch& condition) { return holds(condition, headers); });
}

bool HeaderMatcher::operator==(const HeaderMatcher& other) const {
  return std::equal(conditions_.begin(), conditions_.end(), other.conditions_.begin(),
                    other.conditions_.end(),
                    [](const HeaderMatch& a, const HeaderMatch& b) { return key(a) == key(b); });
}

}  // namespace paygate::router
