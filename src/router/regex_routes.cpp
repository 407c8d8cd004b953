#include "router/regex_routes.h"

#include <re2/re2.h>

namespace paygate::router {

RegexRoutes::RegexRoutes() = default;
RegexRoutes::~RegexRoutes() = default;
RegexRoutes::RegexRoutes(RegexRoutes&&) noexcept = default;
RegexRoutes& RegexRoutes::operator=(RegexRoutes&&) noexcept = default;

std::string RegexRoutes::add(std::size_t route, const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);  // the error goes back to the caller, not to stderr
  auto regex = std::make_unique<const re2::RE2>(pattern, options);
  if (!regex->ok()) return "bad regex \"" + pattern + "\": " + regex->error();
  entries_.push_back(Entry{route, std::move(regex)});
  return "";
}

bool RegexRoutes::find(std::string_view path, const RouteFilter& filter, std::size_t& route) const {
  const re2::StringPiece text(path.data(), path.size());
  for (const Entry& entry : entries_) {
    if (filter.accepts(entry.route) && re2::RE2::FullMatch(text, *entry.regex)) {
      route = entry.route;
      return true;
    }
  }
  return false;
}

}  // namespace paygate::router
