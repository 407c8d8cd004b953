#include "router/host_match.h"

#include <algorithm>

#include "core/header_field.h"

namespace paygate::router {

namespace {

constexpr std::string_view kWildcard = "*.";

bool is_host_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte != 0x7f && c != '/' && c != '*' && c != '@';
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ends_with_ignoring_case(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() &&
         core::iequals(text.substr(text.size() - suffix.size()), suffix);
}

void sort_unique(std::vector<std::string>& items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
}

}  // namespace

std::string_view strip_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  host = host.substr(0, host.find(':'));
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

Compiled<HostMatcher> HostMatcher::compile(const std::vector<std::string>& hosts) {
  Compiled<HostMatcher> result;
  for (const std::string& configured : hosts) {
    std::string_view host = strip_port(configured);
    const bool wildcard = host.starts_with(kWildcard);
    if (wildcard) host.remove_prefix(kWildcard.size() - 1);  // keep the dot: ".example.com"
    const std::string_view name = wildcard ? host.substr(1) : host;
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_host_byte)) {
      result.error = "bad host \"" + configured + "\"";
      return result;
    }
    (wildcard ? result.value.suffixes_ : result.value.exact_).push_back(lower(host));
  }
  sort_unique(result.value.exact_);
  sort_unique(result.value.suffixes_);
  return result;
}

bool HostMatcher::matches(std::string_view host_header) const {
  if (empty()) return true;
  const std::string_view host = strip_port(host_header);
  for (const std::string& exact : exact_) {
    if (core::iequals(host, exact)) return true;
  }
  for (const std::string& suffix : suffixes_) {
    if (ends_with_ignoring_case(host, suffix)) return true;
  }
  return false;
}

}  // namespace paygate::router
