#pragma once
// RFC 9110 tokens: what a field name, a method or a version name is made of.

#include <algorithm>
#include <string_view>

namespace paygate::core {

// True if `text` is one or more tchars: letters, digits and !#$%&'*+-.^_`|~.
inline bool is_token(std::string_view text) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

}  // namespace paygate::core
