#include "router/conditions.h"

#include <algorithm>

namespace paygate::router {

namespace {

bool is_method_byte(char c) { return (c >= 'A' && c <= 'Z') || c == '-' || c == '_'; }

bool is_valid_method(const std::string& method) {
  return !method.empty() && std::all_of(method.begin(), method.end(), is_method_byte);
}

}  // namespace

Compiled<Conditions> Conditions::compile(const RouteSpec& spec) {
  Compiled<Conditions> result;
  for (const std::string& method : spec.methods) {
    if (!is_valid_method(method)) {
      result.error = "bad method \"" + method + "\" (expected upper case, e.g. GET)";
      return result;
    }
    result.value.methods_.push_back(method);
  }
  std::sort(result.value.methods_.begin(), result.value.methods_.end());
  auto& methods = result.value.methods_;
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());

  Compiled<HostMatcher> hosts = HostMatcher::compile(spec.hosts);
  Compiled<HeaderMatcher> headers = HeaderMatcher::compile(spec.headers);
  result.error = !hosts.ok() ? hosts.error : headers.error;
  result.value.hosts_ = std::move(hosts.value);
  result.value.headers_ = std::move(headers.value);
  return result;
}

bool Conditions::holds(const Request& request) const {
  return method_allowed(request.method) && hosts_.matches(request.host) &&
         headers_.matches(request.headers);
}

std::size_t Conditions::count() const {
  return std::size_t{!methods_.empty()} + std::size_t{!hosts_.empty()} +
         std::size_t{!headers_.empty()};
}

bool Conditions::method_allowed(std::string_view method) const {
  if (methods_.empty()) return true;
  return std::find(methods_.begin(), methods_.end(), method) != methods_.end();
}

}  // namespace paygate::router
