#pragma once
// `paygate check -c FILE`: validates a configuration file without starting anything. Prints
// every problem as file:line:col: path: message and returns kExitUsage, or prints a one-line
// summary and returns kExitOk.

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_check_command(CLI::App& cli, std::string& config_path);

}  // namespace paygate::cli
