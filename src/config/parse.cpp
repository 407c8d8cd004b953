#include "config/parse.h"

#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/node/parse.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>

#include "config/sections.h"
#include "config/validate.h"

namespace paygate::config {
namespace {

void read_and_check(const YAML::Node& root, const LoadOptions& options, Document& document,
                    Diagnostics& diagnostics) {
  read_document(root, document, diagnostics);
  check_unique_names(document, diagnostics);
  link_routes(document, diagnostics);
  check_route_steps(document, diagnostics);
  check_app_certificates(document, diagnostics);
  check_listen_addresses(document, diagnostics);
  check_route_methods(document, diagnostics);
  resolve_endpoints(document, options, diagnostics);
  // Settings read with errors would only add confusing follow-up errors about their files.
  if (!diagnostics.ok()) return;
  load_key_material(document, options, diagnostics);
  const auto now = options.now.value_or(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  load_tls_contexts(document, now, diagnostics);
}

// Sections are read in schema order; the operator reads the file top to bottom.
void sort_by_position(std::vector<ConfigError>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair{a.line, a.column} < std::pair{b.line, b.column};
  });
}

}  // namespace

ParseResult parse_document(std::string_view yaml, std::string_view file_name,
                           const LoadOptions& options) {
  ParseResult result;
  Diagnostics diagnostics{std::string(file_name)};
  if (yaml.size() > kMaxConfigBytes) {
    diagnostics.add(Where{}, "the file is larger than " + std::to_string(kMaxConfigBytes) +
                                 " bytes");
    result.errors = diagnostics.take();
    return result;
  }
  result.document.directory = options.directory
                                  ? *options.directory
                                  : std::filesystem::path(file_name).parent_path().string();
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    read_and_check(root, options, result.document, diagnostics);
  } catch (const YAML::Exception& error) {
    // Syntax errors, and yaml-cpp's guard against too deep nesting.
    diagnostics.add(where_at(error.mark, ""), "YAML syntax error: " + error.msg);
  }
  result.errors = diagnostics.take();
  result.warnings = diagnostics.take_warnings();
  sort_by_position(result.errors);
  sort_by_position(result.warnings);
  return result;
}

}  // namespace paygate::config
