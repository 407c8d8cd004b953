#pragma once
// Compiled<T>: the result of turning one piece of configuration into its matching form at build
// time: the value, or the first problem found as text. Build-time only; never on the match path.

#include <string>

namespace paygate::router {

template <class T>
struct Compiled {
  T value{};
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};

}  // namespace paygate::router
