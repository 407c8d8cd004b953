#include "core/request_id.h"

#include "core/fast_random.h"

namespace paygate::core {

namespace {
bool allowed_in_id(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '_' || c == '.';
}
}  // namespace

void RequestId::generate() {
  write_hex16(fast_random(), chars_.data());
  write_hex16(fast_random(), chars_.data() + 16);
  size_ = kLength;
}

void RequestId::assign(std::string_view supplied) {
  size_ = 0;
  for (char c : supplied) {
    if (size_ == kLength) break;
    if (allowed_in_id(c)) chars_[size_++] = c;
  }
  if (size_ == 0) generate();
}

}  // namespace paygate::core
