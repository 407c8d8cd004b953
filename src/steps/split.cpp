#include "steps/split.h"

#include "steps/context.h"

namespace paygate::steps {

// FNV-1a, then MurmurHash3's 64-bit finaliser: both fixed by their definitions, so every node
// and every restart places a key at the same point, unlike std::hash. FNV-1a alone leaves its
// high bits nearly equal for keys that differ in the last digit (consecutive mchids); the
// finaliser spreads every input bit over them before the multiply-shift maps them onto the line.
std::uint32_t split_point(std::string_view key) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : key) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  const auto wide = static_cast<unsigned __int128>(hash) * kSplitPoints;
  return static_cast<std::uint32_t>(wide >> 64);
}

Split::Split(const proxy::Split& settings, std::vector<VersionChoice> choices)
    : sticky_(settings.sticky),
      sticky_header_(settings.sticky_header),
      choices_(std::move(choices)) {
  std::uint64_t total = 0;
  for (const auto& entry : settings.clusters) total += entry.weight;
  std::uint64_t cumulative = 0;
  for (const auto& entry : settings.clusters) {
    cumulative += entry.weight;
    ends_.push_back(static_cast<std::uint32_t>(cumulative * kSplitPoints / total));
  }
}

Split::Split(const proxy::Split& settings, std::vector<VersionChoice> choices,
             const std::atomic<std::uint32_t>& canary_points)
    : sticky_(settings.sticky),
      sticky_header_(settings.sticky_header),
      choices_(std::move(choices)),
      canary_points_(&canary_points) {}

std::size_t Split::choose(std::uint32_t point) const {
  if (canary_points_) return point < canary_points_->load(std::memory_order_relaxed) ? 1 : 0;
  for (std::size_t i = 0; i < ends_.size(); ++i) {
    if (point < ends_[i]) return i;
  }
  return ends_.size() - 1;  // not reached: the last range ends at kSplitPoints
}

std::string_view Split::key_of(const http::Exchange& ex, const RequestContext& context) const {
  switch (sticky_) {
    case proxy::StickyBy::kMchid:
      if (!context.mchid().empty()) return context.mchid();
      break;
    case proxy::StickyBy::kHeader:
      if (auto value = ex.request().fields.find(sticky_header_); !value.empty()) return value;
      break;
    case proxy::StickyBy::kClient:
      break;
  }
  return ex.client_address();
}

boost::asio::awaitable<Next> Split::on_request(http::Exchange& ex, RequestContext& context) {
  context.choice = &choices_[choose(split_point(key_of(ex, context)))];
  co_return Next::kContinue;
}

}  // namespace paygate::steps
