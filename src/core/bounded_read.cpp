#include "core/bounded_read.h"

#include <algorithm>

namespace paygate::core {
namespace {

constexpr std::size_t kChunkBytes = 16 * 1024;

}  // namespace

BoundedRead read_bounded(std::istream& in, std::size_t limit, std::string& out) {
  out.clear();
  // One byte past the limit is enough to know the stream is too large.
  while (out.size() <= limit && in) {
    const std::size_t used = out.size();
    const std::size_t want = std::min(kChunkBytes, limit + 1 - used);
    out.resize(used + want);
    in.read(out.data() + used, static_cast<std::streamsize>(want));
    out.resize(used + static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return BoundedRead::kFailed;
  return out.size() > limit ? BoundedRead::kTooLarge : BoundedRead::kOk;
}

}  // namespace paygate::core
