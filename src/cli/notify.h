#pragma once
// `paygate notify status ID | retry ID | list [--state S] [--mchid M] [--limit N]`: the
// notification admin API (notify/intake_handler.h) from the command line. Talks to the internal
// listener (--url, default http://127.0.0.1:9902) with the bearer token from --token-file or
// --token-env. Prints the JSON answer; exit 0 on success, 1 when the event does not exist,
// 2 on a usage or network problem.

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_notify_command(CLI::App& cli);

}  // namespace paygate::cli
