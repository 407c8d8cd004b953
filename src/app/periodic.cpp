#include "app/periodic.h"

#include <utility>

namespace paygate::app {

Periodic::Periodic(boost::asio::any_io_executor executor,
                   std::chrono::steady_clock::duration interval, std::function<void()> job)
    : timer_(std::move(executor)), interval_(interval), job_(std::move(job)) {}

void Periodic::start() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    job_();
    start();
  });
}

}  // namespace paygate::app
