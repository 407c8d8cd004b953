#include "support/merchant_endpoint.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace paygate::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
}  // namespace

MerchantEndpoint::MerchantEndpoint()
    : acceptor_(io_, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}) {
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

MerchantEndpoint::~MerchantEndpoint() {
  io_.stop();
  thread_.join();
}

std::string MerchantEndpoint::url_prefix() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/";
}

std::map<std::string, std::string> MerchantEndpoint::serials_by_id() const {
  std::lock_guard lock(mutex_);
  return serials_by_id_;
}

std::map<std::string, int> MerchantEndpoint::arrivals_by_id() const {
  std::lock_guard lock(mutex_);
  return arrivals_by_id_;
}

asio::awaitable<void> MerchantEndpoint::accept_loop() {
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (error) co_return;
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> MerchantEndpoint::serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request<bhttp::string_body> request;
    auto [read_error, read] = co_await bhttp::async_read(stream, buffer, request, kNoThrow);
    if (read_error) co_return;
    {
      std::lock_guard lock(mutex_);
      const std::string id(request["Request-ID"]);
      serials_by_id_[id] = std::string(request["Wechatpay-Serial"]);
      ++arrivals_by_id_[id];
    }
    bhttp::response<bhttp::empty_body> response{bhttp::status::no_content, request.version()};
    response.keep_alive(request.keep_alive());
    auto [write_error, written] = co_await bhttp::async_write(stream, response, kNoThrow);
    if (write_error || !request.keep_alive()) co_return;
  }
}

}  // namespace paygate::test
