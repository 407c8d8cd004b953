#pragma once
// Process: the running gateway. Owns the current snapshot, the workers, the admin listener, the
// metrics registry and the logs; its control thread (the caller of run()) handles signals:
//   SIGHUP          reload the config file; a bad file changes nothing and is logged
//   SIGTERM/SIGINT  readyz turns false, stop accepting, drain in-flight requests up to
//                   drain_timeout, exit 0

#include <memory>
#include <string>

#include "config/snapshot.h"

namespace paygate::app {

// Runs until drained. Returns the process exit code. If the config asks for the other I/O backend
// than this binary was built with, execs the sibling binary (paygate <-> paygate-uring) with
// `argv` instead of returning.
int run_gateway(const std::string& config_path, char** argv);

}  // namespace paygate::app
