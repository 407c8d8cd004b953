#include "notify/event_ids.h"

#include "crypto/random.h"
#include "notify/store.h"

namespace paygate::notify {
namespace {

constexpr std::size_t kIdRandomBytes = 10;

void append_hex(std::string& out, std::uint64_t value, int digits) {
  constexpr char kHex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
}

}  // namespace

// "EV-" + 12 hex digits of milliseconds since the epoch + 20 random hex digits: unique, and
// ordered by time so that the id index grows at its right edge (a random id would dirty a
// random index page per event, and every dirty page is written to the WAL at commit). One call
// into the random generator serves the whole batch.
std::vector<std::string> new_event_ids(TimePoint now, std::size_t count) {
  std::vector<unsigned char> random(count * kIdRandomBytes);
  if (!crypto::random_bytes(random)) throw StoreError("the random generator failed");
  const auto time = static_cast<std::uint64_t>(now.time_since_epoch().count()) & 0xffffffffffffULL;
  std::vector<std::string> ids(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string& id = ids[i];
    id.reserve(3 + 12 + 2 * kIdRandomBytes);
    id = "EV-";
    append_hex(id, time, 12);
    for (std::size_t b = 0; b < kIdRandomBytes; ++b)
      append_hex(id, random[i * kIdRandomBytes + b], 2);
  }
  return ids;
}

}  // namespace paygate::notify
