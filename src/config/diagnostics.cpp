#include "config/diagnostics.h"

#include <utility>

#include <yaml-cpp/mark.h>

namespace paygate::config {

Where where_at(const YAML::Mark& mark, std::string path) {
  if (mark.is_null() || mark.line < 0) return Where{0, 0, std::move(path)};
  return Where{mark.line + 1, mark.column + 1, std::move(path)};
}

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path = parent;
  path += '.';
  path += key;
  return path;
}

Diagnostics::Diagnostics(std::string file) : file_(std::move(file)) {}

void Diagnostics::add(const Where& where, std::string message) {
  if (errors_.size() > kMaxErrors) return;
  if (errors_.size() == kMaxErrors) {
    errors_.push_back(ConfigError{file_, 0, 0, "", "too many errors; the rest are not shown"});
    return;
  }
  errors_.push_back(ConfigError{file_, where.line, where.column, where.path, std::move(message)});
}

void Diagnostics::warn(const Where& where, std::string message) {
  if (warnings_.size() >= kMaxErrors) return;
  warnings_.push_back(ConfigError{file_, where.line, where.column, where.path, std::move(message)});
}

std::string to_string(const ConfigError& error) {
  std::string text = error.file;
  if (error.line > 0) {
    text += ':' + std::to_string(error.line) + ':' + std::to_string(error.column);
  }
  text += ": ";
  if (!error.path.empty()) text += error.path + ": ";
  text += error.message;
  return text;
}

}  // namespace paygate::config
