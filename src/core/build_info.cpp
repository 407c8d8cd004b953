#include "core/build_info.h"

#ifndef PAYGATE_VERSION
#define PAYGATE_VERSION "dev"
#endif
#ifndef PAYGATE_REVISION
#define PAYGATE_REVISION "unknown"
#endif

namespace paygate::core {

std::string_view build_version() { return PAYGATE_VERSION; }

std::string_view build_revision() { return PAYGATE_REVISION; }

}  // namespace paygate::core
