#pragma once
// ConfigError: one problem found in a configuration file, with where it is (file, 1-based line
// and column, 0 when unknown) and which key it concerns ("routes[2].cluster"). Plain value; any
// thread.

#include <string>

namespace paygate::config {

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;
  std::string message;
};

// "demo.yaml:12:5: routes[2].cluster: no cluster named 'x'"; the position and the path are left
// out when unknown.
std::string to_string(const ConfigError& error);

}  // namespace paygate::config
