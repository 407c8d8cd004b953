#pragma once
// `paygate encrypt` and `paygate decrypt`: sensitive fields (docs/protocol.md §6) by hand, so
// an operator can produce a value to send or check one received. The algorithm follows the key
// (crypto/sensitive.h): RSA-OAEP for an RSA key, SM2 for an SM2 key.
//   encrypt (--cert FILE | --public-key FILE) [PLAINTEXT]   prints the base64 ciphertext
//   decrypt --key FILE [CIPHERTEXT]                          prints the plaintext
// Without the positional value the input is read from stdin, less one trailing newline; stdin is
// the better choice for real data, which would otherwise stay in the shell history.
// Exit codes as in cli/command.h; a ciphertext that does not decrypt is a failed check (1).

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_encrypt_command(CLI::App& cli);
CliCommand add_decrypt_command(CLI::App& cli);

}  // namespace paygate::cli
