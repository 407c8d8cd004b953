#include "notify/name_lookup.h"

#include <netdb.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace paygate::notify {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// What a lookup thread and the coroutine waiting for it share. The thread wakes the coroutine
// (cancels its timer, on the coroutine's executor) only while `waiter` is set; the coroutine
// clears it before its timer goes, however it leaves: answered, at its deadline, or destroyed
// with its io_context. After that the thread touches nothing but this object.
struct Lookup {
  explicit Lookup(asio::any_io_executor executor) : executor(std::move(executor)) {}
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;
  ~Lookup() {
    if (answer != nullptr) ::freeaddrinfo(answer);
  }

  std::mutex mutex;
  const asio::any_io_executor executor;
  asio::steady_timer* waiter = nullptr;
  bool done = false;
  int status = 0;       // getaddrinfo's
  int saved_errno = 0;  // when status is EAI_SYSTEM
  addrinfo* answer = nullptr;
};

// Sets Lookup::waiter for as long as the waiting coroutine's frame lives.
class WaiterRegistration {
 public:
  WaiterRegistration(Lookup& lookup, asio::steady_timer& timer) : lookup_(lookup) {
    const std::lock_guard lock(lookup_.mutex);
    lookup_.waiter = &timer;
  }
  WaiterRegistration(const WaiterRegistration&) = delete;
  WaiterRegistration& operator=(const WaiterRegistration&) = delete;
  ~WaiterRegistration() {
    const std::lock_guard lock(lookup_.mutex);
    lookup_.waiter = nullptr;
  }

 private:
  Lookup& lookup_;
};

// The body of a lookup thread.
void run_lookup(const std::shared_ptr<Lookup>& lookup, const std::string& host,
                const std::string& service) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* answer = nullptr;
  const int status = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &answer);
  const int saved_errno = errno;
  const std::lock_guard lock(lookup->mutex);
  lookup->done = true;
  lookup->status = status;
  lookup->saved_errno = saved_errno;
  lookup->answer = answer;
  if (lookup->waiter == nullptr) return;  // it left at its deadline: the answer is dropped
  asio::post(lookup->executor, [lookup] {
    const std::lock_guard lock(lookup->mutex);
    if (lookup->waiter != nullptr) lookup->waiter->cancel();
  });
}

std::string describe(int status, int saved_errno) {
  if (status == EAI_SYSTEM) return std::system_category().message(saved_errno);
  return ::gai_strerror(status);
}

// Under the lookup's mutex, once it is done.
LookupResult endpoints_of(const Lookup& lookup) {
  LookupResult result;
  if (lookup.status != 0) {
    result.error = describe(lookup.status, lookup.saved_errno);
    return result;
  }
  for (const addrinfo* a = lookup.answer; a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    tcp::endpoint endpoint;
    std::memcpy(endpoint.data(), a->ai_addr, a->ai_addrlen);
    endpoint.resize(a->ai_addrlen);
    result.endpoints.push_back(endpoint);
  }
  if (result.endpoints.empty()) result.error = "no IPv4 or IPv6 address";
  return result;
}

}  // namespace

asio::awaitable<LookupResult> look_up(const asio::any_io_executor& executor,
                                      const std::string& host, std::uint16_t port,
                                      std::chrono::steady_clock::time_point deadline) {
  boost::system::error_code not_literal;
  const auto address = asio::ip::make_address(host, not_literal);
  if (!not_literal) co_return LookupResult{{tcp::endpoint(address, port)}, false, {}};

  auto lookup = std::make_shared<Lookup>(executor);
  asio::steady_timer timer(executor, deadline);
  const WaiterRegistration registration(*lookup, timer);
  try {
    std::thread(run_lookup, lookup, host, std::to_string(port)).detach();
  } catch (const std::system_error& e) {
    co_return LookupResult{{}, false, std::string("no thread for the lookup: ") + e.what()};
  }
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  const std::lock_guard lock(lookup->mutex);
  if (!lookup->done) co_return LookupResult{{}, true, {}};
  co_return endpoints_of(*lookup);
}

}  // namespace paygate::notify
