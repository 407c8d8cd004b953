#pragma once
// `paygate receive`: a merchant's notify_url for demos and tests. Listens on one address; for
// each POSTed notification it checks the Wechatpay-* signature against the platform
// certificate(s) (wechatpay::ResponseVerifier, the 300 s skew rule), decrypts the resource with
// the merchant's APIv3 key (wechatpay::open_resource), drops an id it has seen before, and prints
// one JSON line on stdout:
//   {"id","create_time","event_type","summary","resource":{...decrypted...}}
//   {"id","duplicate":true}                          a repeat, acknowledged again
//   {"rejected":"<why>"}                             answered 401 (signature) or 400
// A verified notification is acknowledged with 204, so the platform stops retrying; anything
// else gets a non-2xx with {"code":"FAIL","message"}, so the platform retries it.
// With --count N it exits 0 after N distinct notifications. Runs until SIGTERM/SIGINT otherwise.
// With --tls-cert and --tls-key it serves https:// (TLS 1.2 or 1.3).

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace paygate::cli {

CliCommand add_receive_command(CLI::App& cli);

}  // namespace paygate::cli
