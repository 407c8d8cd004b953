#pragma once
// Diagnostics: collects every ConfigError found while loading one file, so that an operator sees
// all problems at once, and the warnings (problems that do not stop the load, such as a
// certificate about to expire). Where: the position and key path a problem is reported at.
// Owned by one load; single thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_error.h"

namespace YAML {
class Mark;
}

namespace paygate::config {

struct Where {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
  std::string path;  // "routes[2].cluster"; empty = the document
};

// The Where of a YAML mark (0-based, or -1 when the node has none).
Where where_at(const YAML::Mark& mark, std::string path);

// "a" + "b" -> "a.b"; "" + "b" -> "b".
std::string join_path(const std::string& parent, std::string_view key);

class Diagnostics {
 public:
  // Past this many errors the rest are dropped: a fuzzed or garbage file should not make
  // millions of messages.
  static constexpr std::size_t kMaxErrors = 100;

  explicit Diagnostics(std::string file);

  void add(const Where& where, std::string message);
  void warn(const Where& where, std::string message);
  bool ok() const { return errors_.empty(); }
  const std::vector<ConfigError>& errors() const { return errors_; }
  std::vector<ConfigError> take() { return std::move(errors_); }
  std::vector<ConfigError> take_warnings() { return std::move(warnings_); }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigError> warnings_;
};

}  // namespace paygate::config
