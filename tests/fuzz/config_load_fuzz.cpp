// Fuzz target: any bytes as a configuration file. Loading must report errors, never crash, hang
// or leak. Names are not resolved, so no input reaches DNS.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto result = paygate::config::load_string(yaml, "fuzz.yaml", 1, {.resolve_names = false});
  if (result.snapshot) {
    (void)paygate::config::to_json(*result.snapshot);
  }
  for (const auto& error : result.errors) (void)paygate::config::to_string(error);
  return 0;
}
