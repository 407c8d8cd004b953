// Fuzzes the Authorization header parser: any bytes must yield a result, never a crash, and a
// successful parse must hold views inside the input and survive a rebuild + reparse unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wechatpay/authorization.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_round_trip(const paygate::wechatpay::Authorization& parsed) {
  std::string rebuilt;
  paygate::wechatpay::build_authorization(parsed, rebuilt);
  paygate::wechatpay::Authorization again;
  if (!paygate::wechatpay::parse_authorization(rebuilt, again).ok() ||
      again.mchid != parsed.mchid || again.signature != parsed.signature ||
      again.timestamp != parsed.timestamp || again.scheme != parsed.scheme) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  paygate::wechatpay::Authorization parsed;
  if (!paygate::wechatpay::parse_authorization(header, parsed).ok()) return 0;
  for (std::string_view part : {parsed.mchid, parsed.nonce_str, parsed.timestamp_text,
                                parsed.serial_no, parsed.signature}) {
    if (part.empty() || !inside(part, header)) std::abort();
  }
  check_round_trip(parsed);
  return 0;
}
