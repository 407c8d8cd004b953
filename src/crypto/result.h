#pragma once
// Result<T>: a value or the core::Error that explains why there is none (boost::system::result).
// Check has_value() and use operator*/->; error() carries the reason. value() is not available
// because core::Error is not an exception type.

#include <boost/system/result.hpp>

#include "core/error.h"

namespace paygate::crypto {

template <class T>
using Result = boost::system::result<T, core::Error>;

}  // namespace paygate::crypto
