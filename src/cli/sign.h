#pragma once
// `paygate sign`: prints the Authorization header value of a merchant request, signed with the
// merchant key (WECHATPAY2-SHA256-RSA2048 for an RSA key, WECHATPAY2-SM2-WITH-SM3 for SM2).
// --timestamp and --nonce fix the otherwise current time and random nonce, so a signature can
// be reproduced. The header is checked with the gateway's own parser before it is printed.

#include <CLI/CLI.hpp>
#include <string>

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_sign_command(CLI::App& cli);

// True when header parses as an Authorization value; otherwise prints why and returns false.
bool authorization_is_well_formed(const std::string& header);

}  // namespace paygate::cli
