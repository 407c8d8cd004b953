#pragma once
// Comparison whose time does not depend on where the inputs differ (CRYPTO_memcmp), for tags,
// tokens and signatures. The length itself is not secret. Any thread.

#include <string_view>

namespace paygate::crypto {

bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace paygate::crypto
