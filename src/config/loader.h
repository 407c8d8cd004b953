#pragma once
// The configuration loader: a YAML file -> one immutable Snapshot (config/snapshot.h), or every
// problem found in it. The schema is docs/config.md.
//
//   auto result = config::load_file("/etc/paygate.yaml", current->generation + 1);
//   if (!result.snapshot) { for (auto& e : result.errors) log(to_string(e)); keep current; }
//
// Loading blocks (file read, getaddrinfo for endpoint names): call it on the control thread,
// never on a worker. The returned Snapshot is shared and immutable; any thread may read it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/load_options.h"
#include "config/snapshot.h"

namespace paygate::config {

struct LoadResult {
  std::shared_ptr<const Snapshot> snapshot;  // null when `errors` is not empty
  std::vector<ConfigError> errors;
  // Problems that do not stop the load (a certificate expiring within 30 days): log them.
  std::vector<ConfigError> warnings;
  // The files this configuration is made of: the config file itself, then every key,
  // certificate and APIv3 key file it names. Filled as far as the YAML could be read, also
  // when the load failed, so that a file watcher can wait for the file that was missing.
  std::vector<std::string> files;
};

LoadResult load_file(const std::string& path, std::uint64_t generation,
                     const LoadOptions& options = {});
// `file_name` is used in error messages and as Snapshot::source_path; relative key file paths
// are resolved against its directory.
LoadResult load_string(std::string_view yaml, std::string_view file_name, std::uint64_t generation,
                       const LoadOptions& options = {});

// The running configuration as JSON, for the admin /config endpoint, secrets redacted
// (config/redact.h):
//   {"generation": N, "source": "...", "config": {...same keys as the YAML...},
//    "resolved": {"<cluster>": ["ip:port", ...]}}
// "config" reads back through load_string() unchanged when nothing was redacted.
std::string to_json(const Snapshot& snapshot);

}  // namespace paygate::config
