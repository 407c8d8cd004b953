#include "http/methods.h"

namespace paygate::http {

namespace {
constexpr auto kLastVerb = Verb::unlink;
static_assert(static_cast<unsigned>(kLastVerb) < 64, "a MethodSet is one 64-bit word");

std::uint64_t bit(Verb method) { return std::uint64_t{1} << static_cast<unsigned>(method); }
}  // namespace

std::optional<Verb> known_method(std::string_view token) {
  const Verb method = boost::beast::http::string_to_verb({token.data(), token.size()});
  if (method == Verb::unknown) return std::nullopt;
  return method;
}

bool is_never_allowed(Verb method) { return method == Verb::connect || method == Verb::trace; }

MethodSet::MethodSet()
    : MethodSet({Verb::get, Verb::head, Verb::post, Verb::put, Verb::delete_, Verb::options,
                 Verb::patch}) {}

MethodSet::MethodSet(std::initializer_list<Verb> methods) {
  for (Verb method : methods) add(method);
}

void MethodSet::add(Verb method) {
  if (method == Verb::unknown || is_never_allowed(method)) return;
  bits_ |= bit(method);
  rebuild_allow();
}

void MethodSet::clear() {
  bits_ = 0;
  allow_.clear();
}

bool MethodSet::contains(Verb method) const { return (bits_ & bit(method)) != 0; }

std::vector<std::string_view> MethodSet::names() const {
  std::vector<std::string_view> out;
  for (unsigned v = 1; v <= static_cast<unsigned>(kLastVerb); ++v) {
    const auto method = static_cast<Verb>(v);
    if (!contains(method)) continue;
    const auto name = boost::beast::http::to_string(method);
    out.emplace_back(name.data(), name.size());
  }
  return out;
}

void MethodSet::rebuild_allow() {
  allow_.clear();
  for (std::string_view name : names()) {
    if (!allow_.empty()) allow_.append(", ");
    allow_.append(name);
  }
}

}  // namespace paygate::http
