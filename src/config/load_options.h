#pragma once
// LoadOptions: how a configuration is loaded. Plain value.

#include <chrono>
#include <optional>
#include <string>

namespace paygate::config {

struct LoadOptions {
  // The time certificates are judged at (expired, expiring soon); unset = the system clock.
  // The initializer keeps `LoadOptions{.resolve_names = false}` free of -Wextra warnings.
  std::optional<std::chrono::sys_seconds> now = std::nullopt;
  // When false, endpoint hosts must be IP literals and names are reported as errors instead of
  // being looked up: for fuzzing and for tests that must not depend on the resolver.
  bool resolve_names = true;
  // Relative file paths in the document resolve against this directory instead of the config
  // file's: a document from etcd has no directory of its own.
  std::optional<std::string> directory = std::nullopt;
};

}  // namespace paygate::config
