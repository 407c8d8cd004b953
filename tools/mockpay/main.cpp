// mockpay: the demo payment backend. mockpay [--address 127.0.0.1] [--port 9000]

#include <CLI/CLI.hpp>

#include "mockpay/server.h"

int main(int argc, char** argv) {
  CLI::App cli{"mockpay: a mock WeChat Pay backend for paygate demos and tests"};
  std::string address = "127.0.0.1";
  std::uint16_t port = 9000;
  cli.add_option("--address", address, "address to listen on");
  cli.add_option("--port", port, "port to listen on");
  CLI11_PARSE(cli, argc, argv);
  return paygate::mockpay::run_server(address, port);
}
