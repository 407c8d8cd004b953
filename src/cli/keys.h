#pragma once
// `paygate keys new`: makes a key pair and a self-signed certificate for a merchant or for the
// platform side, for demos and tests (crypto/generate.h does the cryptography):
//   DIR/<mchid>_<role>.key.pem    private key, PKCS#8, mode 0600
//   DIR/<mchid>_<role>.cert.pem   certificate, random 20-byte serial
//   DIR/<mchid>_<role>.pub.pem    platform only: the public key ("public-key mode")
//   DIR/<mchid>.apiv3             merchant only: a random 32-character APIv3 key, mode 0600
// Existing files are never replaced. Prints the serial and each file written; key material is
// written only to its file, never printed.

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_keys_command(CLI::App& cli);

}  // namespace paygate::cli
