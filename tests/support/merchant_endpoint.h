#pragma once
// MerchantEndpoint: a merchant's notify_url for tests of the delivery path, on 127.0.0.1 at a
// port of its own, served by a thread of its own. It answers every request 204 on keep-alive
// connections and remembers, by Request-ID (the event id paygate sends), how often each
// notification arrived and which Wechatpay-Serial signed it. It does not check signatures:
// tests that care verify what they read. The accessors may be called from any thread while it
// runs; the destructor stops the thread.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace paygate::test {

class MerchantEndpoint {
 public:
  MerchantEndpoint();
  ~MerchantEndpoint();
  MerchantEndpoint(const MerchantEndpoint&) = delete;
  MerchantEndpoint& operator=(const MerchantEndpoint&) = delete;

  // "http://127.0.0.1:<port>/": every URL below it reaches this endpoint.
  std::string url_prefix() const;
  // The serial of the latest arrival of each notification, by Request-ID.
  std::map<std::string, std::string> serials_by_id() const;
  // How many times each notification arrived, by Request-ID.
  std::map<std::string, int> arrivals_by_id() const;

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> serials_by_id_;
  std::map<std::string, int> arrivals_by_id_;
  std::thread thread_;
};

}  // namespace paygate::test
