#include "http/close_connections.h"

namespace paygate::http {

std::size_t close_connections(boost::asio::io_context& io, Watchdog& watchdog,
                              Clock::duration grace) {
  watchdog.close_all();
  const auto deadline = Clock::now() + grace;
  // restart() each time: whoever stopped io may stop it again while this runs.
  while (watchdog.size() > 0 && Clock::now() < deadline) {
    io.restart();
    io.run_one_until(deadline);
  }
  return watchdog.size();
}

}  // namespace paygate::http
