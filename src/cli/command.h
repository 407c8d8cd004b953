#pragma once
// CliCommand: one `paygate` subcommand registered on the CLI11 parser. add_*_command() creates
// the subcommand with its options (their storage lives in run's captures) and returns run,
// which main() calls after a successful parse when that subcommand was chosen.
// Exit codes shared by the tool subcommands: 0 success, 1 a check failed (a bad signature),
// 2 a usage or input problem (unreadable file, malformed value, network failure).

#include <CLI/CLI.hpp>
#include <functional>

namespace paygate::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitUsage = 2;

struct CliCommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

}  // namespace paygate::cli
