#pragma once
// Loading the configuration from where `--config` points: a YAML file, or an etcd key named by
// an etcd:// URL (config/etcd_url.h). A document from etcd is validated exactly like a file,
// with the URL as its file name (errors read `etcd://HOST:PORT/KEY:12: routes[0]...`); its
// relative file paths resolve against the working directory. Blocks (file, network, resolver):
// call it on the control thread or in a tool, never on a worker.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "config/etcd_messages.h"
#include "config/etcd_url.h"
#include "config/loader.h"

namespace paygate::config {

// Each request to etcd, and the start-up read as a whole.
inline constexpr std::chrono::milliseconds kEtcdRequestTimeout{3000};

struct SourceLoad {
  LoadResult result;
  // For an etcd source: the store's revision when read (watch from the next one) and the
  // revision that wrote the document. 0 for a file.
  std::int64_t store_revision = 0;
  std::int64_t document_revision = 0;
};

SourceLoad load_source(const std::string& source, std::uint64_t generation,
                       std::chrono::milliseconds timeout = kEtcdRequestTimeout);

// The document of `url` as read (empty: the key does not exist) -> a load. `files` holds only
// the files the document names, not the URL.
LoadResult load_etcd_document(const EtcdUrl& url, const std::optional<EtcdValue>& document,
                              std::uint64_t generation);

}  // namespace paygate::config
