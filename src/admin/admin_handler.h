#pragma once
// AdminHandler: the admin listener's endpoints, served on the control thread.
//   GET /healthz  200 while the process runs
//   GET /readyz   200 when serving, 503 while starting or draining
//   GET /metrics  Prometheus text exposition of every metric
//   GET /config   the running configuration as JSON, secrets redacted
// Anything else is a WeChat Pay style JSON 404 (or 405 for another method).

#include <functional>
#include <string>

#include "http/exchange.h"
#include "observe/registry.h"

namespace paygate::admin {

struct AdminSources {
  const observe::Registry& metrics;
  std::function<bool()> ready;
  std::function<std::string()> config_json;
};

class AdminHandler final : public http::Handler {
 public:
  explicit AdminHandler(AdminSources sources) : sources_(std::move(sources)) {}
  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;

 private:
  AdminSources sources_;
};

}  // namespace paygate::admin
