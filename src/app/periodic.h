#pragma once
// Periodic: runs a job every `interval` on one executor's thread (the control thread's jobs: SLO
// ticks, daily certificate warnings) until stop() or destruction. The first run is one interval
// after start(). Confined to the executor's thread, like the job.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace paygate::app {

class Periodic {
 public:
  Periodic(boost::asio::any_io_executor executor, std::chrono::steady_clock::duration interval,
           std::function<void()> job);

  void start();
  void stop() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::duration interval_;
  std::function<void()> job_;
};

}  // namespace paygate::app
