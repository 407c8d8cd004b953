// mockpay: the demo payment backend.
//   mockpay [--address 127.0.0.1] [--port 9000]
//           [--notify-intake http://127.0.0.1:9902/internal/notifications]
//           [--notify-token-env VAR]

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "mockpay/server.h"

int main(int argc, char** argv) {
  CLI::App cli{"mockpay: a mock WeChat Pay backend for paygate demos and tests"};
  paygate::mockpay::ServerOptions options;
  std::string token_env;
  cli.add_option("--address", options.address, "address to listen on");
  cli.add_option("--port", options.port, "port to listen on");
  cli.add_option("--notify-intake", options.notify_intake,
                 "paygate's notification intake URL; payments and refunds are handed to it");
  cli.add_option("--notify-token-env", token_env,
                 "environment variable holding the intake's bearer token");
  CLI11_PARSE(cli, argc, argv);
  if (!token_env.empty()) {
    const char* token = std::getenv(token_env.c_str());
    if (token == nullptr || *token == '\0') {
      std::cerr << "mockpay: environment variable " << token_env << " is not set\n";
      return 2;
    }
    options.notify_token = token;
  }
  return paygate::mockpay::run_server(options);
}
