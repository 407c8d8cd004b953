#pragma once
// `paygate call`: one signed WeChat Pay request from the merchant side, for trying a gateway by
// hand. Signs the request with the merchant key (as `paygate sign`), sends it over one HTTP/1.1
// connection (http/one_shot_client.h: http:// or https://, one deadline) and prints the status
// line, headers and body as received. With --platform-cert (platform certificates) or
// --platform-public-key with --platform-public-key-id (public-key mode) it sends the serial of
// the key it holds as Wechatpay-Serial, then checks the reply's Wechatpay-* signature
// (wechatpay::ResponseVerifier, the 300 s skew rule against this clock) and prints
// "signature: ok" or "signature: failed (<reason>)"; like the SDKs, a non-2xx reply without
// signature headers is reported as not checked rather than failed.
// Exit: 0 reply received (and verified when asked), 1 verification failed, 2 anything else.

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_call_command(CLI::App& cli);

}  // namespace paygate::cli
