// paygate: the command line. `paygate run -c FILE` (the default command), `paygate check -c FILE`,
// the merchant-side tools `keys new`, `sign`, `verify`, `encrypt`, `decrypt`, `call`, `receive`,
// and `notify` (app/cli_*.h).

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "app/build_info.h"
#include "app/cli_call.h"
#include "app/cli_keys.h"
#include "app/cli_notify.h"
#include "app/cli_receive.h"
#include "app/cli_sensitive.h"
#include "app/cli_sign.h"
#include "app/cli_verify.h"
#include "app/process.h"

int main(int argc, char** argv) {
  CLI::App cli{"paygate: a gateway for WeChat Pay API v3"};
  cli.require_subcommand(0, 1);
  std::string config_path = "examples/demo.yaml";
  cli.add_option("-c,--config", config_path, "configuration file (YAML)");

  auto* run = cli.add_subcommand("run", "run the gateway (default)");
  run->add_option("-c,--config", config_path, "configuration file (YAML)");
  auto* check = cli.add_subcommand("check", "validate a configuration file and exit");
  check->add_option("-c,--config", config_path, "configuration file (YAML)");
  auto* version = cli.add_subcommand("version", "print the version");
  const paygate::app::CliCommand tools[] = {
      paygate::app::add_keys_command(cli),   paygate::app::add_sign_command(cli),
      paygate::app::add_verify_command(cli), paygate::app::add_encrypt_command(cli),
      paygate::app::add_decrypt_command(cli), paygate::app::add_call_command(cli),
      paygate::app::add_notify_command(cli), paygate::app::add_receive_command(cli)};

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message or the help; a usage error exits 2 like every other bad input
    // (README: exit codes of the tools), not with CLI11's own numbers.
    return cli.exit(e) == 0 ? 0 : 2;
  }
  if (*version) {
    std::cout << "paygate " << paygate::app::build_version() << " ("
              << paygate::app::build_revision() << ")\n";
    return 0;
  }
  for (const auto& tool : tools) {
    if (*tool.app) return tool.run();
  }
  if (*check) return paygate::app::check_config(config_path);
  return paygate::app::run_gateway(config_path, argv);
}
