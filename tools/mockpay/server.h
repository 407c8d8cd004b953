#pragma once
// MockPayServer: runs MockPay behind paygate's own HTTP/1.1 server on one thread, so the demo and
// the integration tests exercise real HTTP on the same engine. Adds one path of its own,
// GET /mock/stats -> {"connections_opened":N,"requests":N}, which tests use to count the
// upstream connections a gateway opens (keep-alive reuse).

#include <cstdint>
#include <string>

#include "http/exchange.h"
#include "mockpay/mockpay.h"

namespace paygate::mockpay {

class MockPayHandler final : public http::Handler {
 public:
  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  void on_connection_change(int delta) override {
    if (delta > 0) ++connections_opened_;
  }

 private:
  MockPay mockpay_;
  std::uint64_t connections_opened_ = 0;
  std::uint64_t requests_ = 0;
};

// Serves until SIGTERM/SIGINT. Returns the exit code.
int run_server(const std::string& address, std::uint16_t port);

}  // namespace paygate::mockpay
