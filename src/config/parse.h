#pragma once
// parse_document: YAML text -> a checked Document, without compiling routes (that needs the
// router; see snapshot_builder.h). Every problem found is returned, not just the first; the
// Document is valid only when `errors` is empty. Blocks on DNS unless options say not to; call on
// the control thread.

#include <cstddef>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/document.h"
#include "config/load_options.h"

namespace paygate::config {

// Larger inputs are refused before parsing.
inline constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

struct ParseResult {
  Document document;
  std::vector<ConfigError> errors;
  std::vector<ConfigError> warnings;  // do not stop the load; worth logging
};

ParseResult parse_document(std::string_view yaml, std::string_view file_name,
                           const LoadOptions& options = {});

}  // namespace paygate::config
