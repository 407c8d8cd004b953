#pragma once
// StateStore: where each route's canary progress is kept across restarts (the `state_file`, a
// SQLite database of its own: the outbox's writer is not slowed by it, nor it by the outbox).
// One row per route: which roll-out (CanarySettings::identity()), its phase, its step and why it
// is there. Written on every transition, read once at start-up. Control thread only.

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>

#include "notify/sqlite_handles.h"

namespace paygate::canary {

struct StoredCanary {
  std::string identity;
  std::string phase;  // Phase's name (controller.h)
  std::size_t step = 0;
  std::string reason;
};

struct StateStoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class StateStore {
 public:
  // Opens or creates the database; throws StateStoreError naming the file.
  explicit StateStore(const std::string& path);

  std::map<std::string, StoredCanary> load();  // by route
  void save(const std::string& route, const StoredCanary& canary);

 private:
  std::string path_;
  notify::sqlite::Database db_;
};

}  // namespace paygate::canary
