#include "cli/check.h"

#include <iostream>

#include "config/etcd_load.h"

namespace paygate::cli {
namespace {

int check_config(const std::string& config_path) {
  // A file, or an etcd:// URL read from etcd.
  config::LoadResult result = config::load_source(config_path, 1).result;
  if (!result.snapshot) {
    for (const auto& e : result.errors) std::cerr << config::to_string(e) << "\n";
    std::cerr << result.errors.size() << " problem(s) in " << config_path << "\n";
    return kExitUsage;
  }
  std::cout << config_path << ": ok (" << result.snapshot->routes.size() << " routes, "
            << result.snapshot->clusters.size() << " clusters)\n";
  return kExitOk;
}

}  // namespace

CliCommand add_check_command(CLI::App& cli, std::string& config_path) {
  auto* check = cli.add_subcommand(
      "check", "validate a configuration (a file or etcd://HOST:PORT/KEY) and exit");
  check->add_option("-c,--config", config_path, "configuration file (YAML) or etcd:// URL");
  // `paygate check FILE` reads as well as `paygate check -c FILE`.
  check->add_option("source", config_path, "the same as -c");
  return {check, [&config_path] { return check_config(config_path); }};
}

}  // namespace paygate::cli
