#pragma once
// ServerConnection: one downstream HTTP/1.1 connection, one coroutine. The story of run():
//   loop { wait for a request (idle timeout) -> read and strictly check its head (header timeout,
//          limits) -> 100-continue -> read the body (body timeout, size limit) -> handler ->
//          keep-alive or close }.
// Pipelined requests are answered in order because the loop handles one request at a time and
// leaves the next request's bytes in the read buffer. Anything malformed is answered with a JSON
// error and the connection is closed; nothing ambiguous reaches the handler.
// Worker-thread confined; lives in its coroutine's frame.

#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "http/exchange.h"
#include "http/head_scan.h"
#include "http/parser.h"
#include "http/settings.h"
#include "http/watchdog.h"

namespace paygate::http {

// Shared by all connections of one worker.
struct ConnectionContext {
  Watchdog& watchdog;
  Handler& handler;
  const ServerLimits* limits;  // the worker's current limits; swapped on reload
  bool draining = false;
};

class ServerConnection final : public Watchdog::Entry {
 public:
  ServerConnection(boost::asio::ip::tcp::socket socket, ConnectionContext& context);
  ~ServerConnection() override;
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  boost::asio::awaitable<void> run();

 private:
  friend class Exchange;
  enum class Read { kRequest, kRefused, kClosed };
  enum class Phase { kIdle, kHead, kBody, kHandler, kWrite };

  boost::asio::awaitable<Read> read_request();
  boost::asio::awaitable<Read> read_head();
  boost::asio::awaitable<Read> read_body();
  boost::asio::awaitable<bool> read_more();
  boost::asio::awaitable<bool> write(std::string_view bytes);
  boost::asio::awaitable<bool> serve();
  boost::asio::awaitable<bool> send_continue();
  boost::asio::awaitable<void> linger();
  Read refuse(core::ErrorKind kind, std::string_view message, std::string_view reason);
  Read refuse_parse_error(const boost::beast::error_code& ec);
  void enter(Phase phase);
  void on_deadline() override;
  void on_drain() override;
  void close();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint peer_;
  std::string peer_address_;  // peer_'s address as text, for X-Forwarded-For
  ConnectionContext& context_;
  const ServerLimits* limits_;  // fixed for the duration of one request
  boost::beast::flat_buffer in_;
  std::string out_;
  RequestHead head_;
  std::string body_;
  std::optional<RequestParser> parser_;
  Exchange exchange_;
  ExchangeScratch scratch_;
  boost::asio::ip::tcp::socket* upstream_ = nullptr;
  Phase phase_ = Phase::kIdle;
  std::string_view refusal_;  // the metric label of the latest refusal
  bool expired_ = false;
  bool keep_alive_ = true;
  std::size_t served_ = 0;
};

}  // namespace paygate::http
