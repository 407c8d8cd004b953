#include "mockpay/path_match.h"

#include <boost/url/parse.hpp>

namespace paygate::mockpay {

void Params::set(std::string name, std::string value) {
  values_.emplace(std::move(name), std::move(value));  // emplace keeps the first of duplicates
}

std::optional<std::string_view> Params::get(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<Target> parse_target(std::string_view raw) {
  const auto url = boost::urls::parse_origin_form(raw);
  if (!url) return std::nullopt;
  Target target;
  for (const auto& segment : url->segments()) target.segments.emplace_back(segment);
  for (const auto& param : url->params()) target.query.set(param.key, param.value);
  return target;
}

PathPattern::PathPattern(std::string_view pattern) {
  if (pattern.starts_with('/')) pattern.remove_prefix(1);
  while (!pattern.empty()) {
    const auto slash = pattern.find('/');
    const std::string_view text = pattern.substr(0, slash);
    const bool is_param = text.size() > 2 && text.front() == '{' && text.back() == '}';
    segments_.push_back(is_param ? Segment{std::string(text.substr(1, text.size() - 2)), true}
                                 : Segment{std::string(text), false});
    pattern = slash == std::string_view::npos ? std::string_view{} : pattern.substr(slash + 1);
  }
}

bool PathPattern::match(const std::vector<std::string>& segments, Params& captures) const {
  if (segments.size() != segments_.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& want = segments_[i];
    if (want.is_param ? segments[i].empty() : segments[i] != want.text) return false;
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments_[i].is_param) captures.set(segments_[i].text, segments[i]);
  }
  return true;
}

}  // namespace paygate::mockpay
