#pragma once
// Settings of the process as a whole.

#include <chrono>

namespace paygate::core {

// Asio's event backend. Fixed at compile time by Asio, so io_uring runs in a second binary
// (paygate-uring) that paygate execs when the config asks for it.
enum class IoBackend { kEpoll, kIoUring };

struct ProcessSettings {
  unsigned workers = 0;                          // 0 = one per core
  IoBackend io_backend = IoBackend::kEpoll;      // read at start-up only
  std::chrono::milliseconds drain_timeout{10'000};  // SIGTERM: finish in-flight requests within
  // `reload:` reload when the config file or a key/cert file it names changes on disk, once
  // the burst of events has been quiet for watch_debounce.
  bool watch_files = true;
  std::chrono::milliseconds watch_debounce{200};
  // The SQLite file where control state that must outlive the process is kept (canary
  // progress); "" = none. Read at start-up only.
  std::string state_file;
  // `degrade:` degradable routes answer their fallback from a core route's SLO page until no
  // core route has paged for this long (observe/degrade.h).
  std::chrono::milliseconds degrade_recover_after{300'000};
};

}  // namespace paygate::core
