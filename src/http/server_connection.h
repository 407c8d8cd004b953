#pragma once
// BasicServerConnection: one downstream HTTP/1.1 connection, one coroutine. The story of run():
//   loop { wait for a request (idle timeout) -> read and strictly check its head (header timeout,
//          limits) -> 100-continue -> read the body (body timeout, size limit) -> handler ->
//          keep-alive or close }.
// Pipelined requests are answered in order because the loop handles one request at a time and
// leaves the next request's bytes in the read buffer. Anything malformed is answered with a JSON
// error and the connection is closed; nothing ambiguous reaches the handler.
// Worker-thread confined; lives in its coroutine's frame.
//
// A request whose first byte came in TLS 1.3 early data is early (Exchange::early()): the
// connection counts the early bytes at the front of its read buffer (the handshake's, then
// reads that TlsSocket says were early) as requests consume them.
//
// The stream is a template parameter: ServerConnection runs on TCP sockets, TlsServerConnection
// on TLS streams; the unit tests run
// the same code on Beast's in-memory test stream (http/server_connection_impl.h holds the
// definitions, StreamOps what differs between streams).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "http/exchange.h"
#include "http/head_scan.h"
#include "http/parser.h"
#include "http/request_admission.h"
#include "http/settings.h"
#include "http/stream_ops.h"
#include "http/tls_socket.h"
#include "http/watchdog.h"
#include "tls/server_context.h"

namespace paygate::http {

// Shared by all connections of one worker.
struct ConnectionContext {
  ConnectionContext(Watchdog& w, Handler& h, const ServerLimits* l,
                    std::shared_ptr<const tls::ServerContext> t = nullptr)
      : watchdog(w), handler(h), limits(l), tls(std::move(t)) {}

  Watchdog& watchdog;
  Handler& handler;
  const ServerLimits* limits;  // the worker's current limits; swapped on reload
  bool draining = false;
  // The listener's TLS context, null for cleartext; swapped on reload (http/tls_accept.h).
  std::shared_ptr<const tls::ServerContext> tls;
};

template <typename Stream>
class BasicServerConnection final : public Watchdog::Entry, private ExchangeHost {
 public:
  BasicServerConnection(Stream stream, ConnectionContext& context);
  ~BasicServerConnection() override;
  BasicServerConnection(const BasicServerConnection&) = delete;
  BasicServerConnection& operator=(const BasicServerConnection&) = delete;

  // kHttp2: the client opened with the HTTP/2 preface (h2c with prior knowledge); the stream
  // and the bytes read so far are then handed over (release_stream, buffered) to serve_h2
  // (http/h2_connection.h) instead of being closed.
  enum class Ending { kClosed, kHttp2 };
  boost::asio::awaitable<Ending> run();
  Stream release_stream() { return std::move(stream_); }
  std::string_view buffered() const;
  // Bytes a TLS handshake read as early data: the first to serve. Before run().
  void take_early_data(std::string_view bytes);
  // How many of buffered()'s first bytes came as early data.
  std::size_t buffered_early() const { return early_pending_; }

 private:
  enum class Read { kRequest, kRefused, kClosed, kHttp2 };
  enum class Phase { kIdle, kHead, kBody, kHandler, kWrite };

  boost::asio::awaitable<Read> read_request();
  boost::asio::awaitable<Read> read_head();
  boost::asio::awaitable<Read> read_body();
  boost::asio::awaitable<bool> read_more();
  void consume(std::size_t n);
  boost::asio::awaitable<bool> serve();
  boost::asio::awaitable<bool> send_continue();
  boost::asio::awaitable<void> linger();
  Read refuse(const Refusal& refusal);
  Read refuse(core::ErrorKind kind, std::string_view message, std::string_view reason);
  void enter(Phase phase);
  void on_deadline() override;
  void on_drain() override;
  void on_close() override;
  void close();

  // ExchangeHost
  boost::asio::awaitable<bool> write(std::string_view bytes) override;
  bool keep_alive() const override { return keep_alive_ && !context_.draining; }
  void set_handler_deadline(Clock::duration d) override;
  bool handler_deadline_passed() const override { return expired_; }
  void watch_upstream(boost::asio::ip::tcp::socket* socket) override { upstream_ = socket; }
  void watch_upstream_wait(UpstreamWait* wait) override {
    upstream_wait_ = wait;
    if (wait != nullptr && closed_) wait->cancel_wait();
  }

  Stream stream_;
  boost::asio::ip::tcp::endpoint peer_;
  std::string peer_address_;  // peer_'s address as text, for X-Forwarded-For
  tls::ClientNames client_names_;  // of the client's verified certificate (TLS), else none
  ConnectionContext& context_;
  const ServerLimits* limits_;  // fixed for the duration of one request
  boost::beast::flat_buffer in_;
  std::string out_;
  RequestHead head_;
  std::string body_;
  std::optional<RequestParser> parser_;
  ExchangeScratch scratch_;
  Exchange exchange_;
  boost::asio::ip::tcp::socket* upstream_ = nullptr;
  UpstreamWait* upstream_wait_ = nullptr;
  bool closed_ = false;  // on_close() ran: the worker is stopping
  Phase phase_ = Phase::kIdle;
  std::string_view refusal_;  // the metric label of the latest refusal
  bool expired_ = false;
  bool keep_alive_ = true;
  std::size_t served_ = 0;
  std::size_t early_pending_ = 0;  // of in_'s first bytes, those that came as early data
};

using ServerConnection = BasicServerConnection<boost::asio::ip::tcp::socket>;
extern template class BasicServerConnection<boost::asio::ip::tcp::socket>;
// On TLS streams (http/tls_stream.h), instantiated in server_connection_tls.cpp.
using TlsServerConnection = BasicServerConnection<TlsSocket>;

}  // namespace paygate::http
