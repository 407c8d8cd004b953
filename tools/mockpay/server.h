#pragma once
// MockPayServer: runs MockPay behind paygate's own HTTP/1.1 server on one thread, so the demo and
// the integration tests exercise real HTTP on the same engine. Adds one path of its own,
// GET /mock/stats -> {"connections_opened":N,"requests":N}, which tests use to count the
// upstream connections a gateway opens (keep-alive reuse). With a Notifier, the payment events
// a request produced (a payment, a refund) are handed to paygate's notification intake.

#include <cstdint>
#include <string>

#include "http/exchange.h"
#include "mockpay/mockpay.h"
#include "mockpay/notifier.h"

namespace paygate::mockpay {

class MockPayHandler final : public http::Handler {
 public:
  explicit MockPayHandler(Notifier* notifier) : notifier_(notifier) {}
  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  void on_connection_change(int delta) override {
    if (delta > 0) ++connections_opened_;
  }

 private:
  MockPay mockpay_;
  Notifier* notifier_;  // null: events are dropped
  std::uint64_t connections_opened_ = 0;
  std::uint64_t requests_ = 0;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9000;
  std::string notify_intake;  // empty: no notifications
  std::string notify_token;
};

// Serves until SIGTERM/SIGINT. Returns the exit code.
int run_server(const ServerOptions& options);

}  // namespace paygate::mockpay
