#pragma once
// look_up: the TCP endpoints of a merchant's host, awaited until a deadline. An address literal
// is answered at once; a name is looked up by getaddrinfo on a thread of its own, and the wait
// for it ends at the deadline even when getaddrinfo does not (a nameserver that never answers
// holds it for the resolver's timeout, up to 30 s a server): the thread is left to finish and
// its answer is dropped.
// Not Asio's resolver: its one thread per io_context cannot be left, so a wait for it ends only
// when getaddrinfo returns, every later lookup of the dispatcher queues behind a stuck one, and
// the io_context's destructor waits for it too.
// Call from the thread that runs `executor`'s io_context.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace paygate::notify {

struct LookupResult {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // empty unless found
  bool timed_out = false;
  std::string error;  // why there are no endpoints, when not timed out
};

boost::asio::awaitable<LookupResult> look_up(const boost::asio::any_io_executor& executor,
                                             const std::string& host, std::uint16_t port,
                                             std::chrono::steady_clock::time_point deadline);

}  // namespace paygate::notify
