#pragma once
// Request ids: 32 lowercase hex characters from a per-thread generator. No locks, no allocation;
// unique enough to correlate logs, not a secret (never use them as nonces).

#include <array>
#include <string_view>

namespace paygate::core {

class RequestId {
 public:
  static constexpr std::size_t kLength = 32;
  // Fills this id with a fresh value from the calling thread's generator.
  void generate();
  // Copies an id a client supplied (truncated to kLength, only [0-9A-Za-z-_.] kept).
  void assign(std::string_view supplied);
  void clear() { size_ = 0; }
  std::string_view view() const { return {chars_.data(), size_}; }

 private:
  std::array<char, kLength> chars_{};
  std::size_t size_ = 0;
};

}  // namespace paygate::core
