#pragma once
// Input helpers shared by the tool subcommands (keys, sign, verify, call, receive): the request
// body from --body or --body-file, Unix timestamps given on the command line, the signed URL
// (path and query) of what the user typed, platform certificate files, and files written once
// with a given mode.
// Values come from the user, so each function reports a problem as text instead of asserting.
// Pure functions or plain file I/O; any thread.

#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "wechatpay/platform_keys.h"

namespace paygate::cli {

// --body STR and --body-file FILE (mutually exclusive) on command; the result of read_body().
struct BodyOptions {
  std::string text;
  std::string file;
};
void add_body_options(CLI::App& command, BodyOptions& body);

// The exact body bytes (empty when neither option is given), or nullopt after printing why.
std::optional<std::string> read_body(const BodyOptions& body);

// Unix seconds as WeChat Pay writes them (decimal digits), or nullopt after printing why.
std::optional<std::int64_t> read_timestamp(std::string_view text, std::string_view option);

std::chrono::sys_seconds now_seconds();

// The canonical URL that gets signed: "/path?query" as given, or the path and query of an
// absolute http(s) URL. nullopt after printing why (no leading '/', unparsable URL).
std::optional<std::string> read_signed_url(std::string_view text);

// The verification keys of the given platform certificate files (PEM), or nullopt after printing
// why. first_serial, when given, receives the first certificate's serial.
std::optional<wechatpay::PlatformKeys> read_platform_certificates(
    const std::vector<std::string>& files, std::string* first_serial = nullptr);

// The public key of a certificate file (when cert_file is not empty) or of a public-key PEM
// file, or nullopt after printing why.
std::optional<crypto::PublicKey> read_public_key(const std::string& cert_file,
                                                 const std::string& public_key_file);

// Creates path (never replacing an existing file) with mode, writes content. Empty on success,
// otherwise the reason. Modes are applied despite the umask.
std::string write_new_file(const std::string& path, std::string_view content, mode_t mode);

}  // namespace paygate::cli
