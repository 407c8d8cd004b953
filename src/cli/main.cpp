// paygate: the command line. `paygate run -c FILE` (the default command) runs the gateway
// (app/process.h); every other subcommand is a tool of this module: `check`, `version`, the
// merchant-side `keys new`, `sign`, `verify`, `encrypt`, `decrypt`, `call`, `receive`, and
// `notify` (cli/*.h).

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "app/process.h"
#include "cli/call.h"
#include "cli/check.h"
#include "cli/keys.h"
#include "cli/notify.h"
#include "cli/receive.h"
#include "cli/sensitive.h"
#include "cli/sign.h"
#include "cli/verify.h"
#include "core/build_info.h"

int main(int argc, char** argv) {
  namespace cli = paygate::cli;
  CLI::App app{"paygate: a gateway for WeChat Pay API v3"};
  app.require_subcommand(0, 1);
  std::string config_path = "examples/demo.yaml";
  app.add_option("-c,--config", config_path, "configuration file (YAML) or etcd://HOST:PORT/KEY");

  auto* run = app.add_subcommand("run", "run the gateway (default)");
  run->add_option("-c,--config", config_path, "configuration file (YAML) or etcd://HOST:PORT/KEY");
  const cli::CliCommand check = cli::add_check_command(app, config_path);
  auto* version = app.add_subcommand("version", "print the version");
  const cli::CliCommand tools[] = {check,
                                   cli::add_keys_command(app),
                                   cli::add_sign_command(app),
                                   cli::add_verify_command(app),
                                   cli::add_encrypt_command(app),
                                   cli::add_decrypt_command(app),
                                   cli::add_call_command(app),
                                   cli::add_notify_command(app),
                                   cli::add_receive_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message or the help; a usage error exits 2 like every other bad input
    // (README: exit codes of the tools), not with CLI11's own numbers.
    return app.exit(e) == cli::kExitOk ? cli::kExitOk : cli::kExitUsage;
  }
  if (*version) {
    std::cout << "paygate " << paygate::core::build_version() << " ("
              << paygate::core::build_revision() << ")\n";
    return cli::kExitOk;
  }
  for (const auto& tool : tools) {
    if (*tool.app) return tool.run();
  }
  return paygate::app::run_gateway(config_path, argv);
}
