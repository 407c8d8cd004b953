#include "config/loader.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "config/parse.h"
#include "core/bounded_read.h"
#include "config/snapshot_builder.h"

namespace paygate::config {
namespace {

LoadResult file_error(const std::string& path, std::string message) {
  LoadResult result;
  result.errors.push_back(ConfigError{path, 0, 0, "", std::move(message)});
  result.files.push_back(path);
  return result;
}

std::vector<std::string> files_of(const Document& document, std::string_view file_name) {
  std::vector<std::string> files{std::string(file_name)};
  auto add = [&files](const std::string& file) {
    if (!file.empty()) files.push_back(file);
  };
  for (const auto& key : document.platform.keys) {
    add(key.private_key_file);
    add(key.certificate_file);
    add(key.public_key_file);
  }
  for (const auto& listener : document.listeners) {
    if (!listener.tls) continue;
    for (const auto& certificate : listener.tls->certificates) {
      add(certificate.files.certificate_file);
      add(certificate.files.key_file);
      add(certificate.ocsp_response_file);
    }
    add(listener.tls->client_ca_file);
  }
  add(document.notify.ca_file);
  add(document.callbacks.ca_file);
  for (const auto& merchant : document.merchants) {
    add(merchant.apiv3_key_file);
    for (const auto& key : merchant.keys) {
      add(key.certificate_file);
      add(key.public_key_file);
    }
  }
  return files;
}

}  // namespace

LoadResult load_file(const std::string& path, std::uint64_t generation,
                     const LoadOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return file_error(path, std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  // A file over the limit is read one byte past it, which parse_document reports.
  if (core::read_bounded(file, kMaxConfigBytes, text) == core::BoundedRead::kFailed) {
    return file_error(path, std::string("cannot read: ") + std::strerror(errno));
  }
  return load_string(text, path, generation, options);
}

LoadResult load_string(std::string_view yaml, std::string_view file_name, std::uint64_t generation,
                       const LoadOptions& options) {
  ParseResult parsed = parse_document(yaml, file_name, options);
  LoadResult result;
  result.warnings = std::move(parsed.warnings);
  result.files = files_of(parsed.document, file_name);
  if (!parsed.errors.empty()) {
    result.errors = std::move(parsed.errors);
    return result;
  }
  Diagnostics diagnostics{std::string(file_name)};
  result.snapshot = build_snapshot(std::move(parsed.document), std::string(file_name),
                                   generation, diagnostics);
  result.errors = diagnostics.take();
  return result;
}

}  // namespace paygate::config
