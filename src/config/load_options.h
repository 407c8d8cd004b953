#pragma once
// LoadOptions: how a configuration is loaded. Plain value.

namespace paygate::config {

struct LoadOptions {
  // When false, endpoint hosts must be IP literals and names are reported as errors instead of
  // being looked up: for fuzzing and for tests that must not depend on the resolver.
  bool resolve_names = true;
};

}  // namespace paygate::config
