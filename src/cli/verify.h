#pragma once
// `paygate verify`: checks a WeChat Pay signature with a certificate or a public key and prints
// "ok" (exit 0) or "failed: <reason>" (exit 1). Without --method/--url it is a response or
// notification signature (TIMESTAMP\n NONCE\n BODY\n); with them, a request signature
// (METHOD\n URL\n TIMESTAMP\n NONCE\n BODY\n). The algorithm follows the key. The 300 s clock
// skew rule applies only when --now is given, so recorded messages can be checked later.

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_verify_command(CLI::App& cli);

}  // namespace paygate::cli
