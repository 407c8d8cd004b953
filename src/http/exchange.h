#pragma once
// Exchange: one request and its response, as a Handler sees it. Created by ServerConnection
// for each request and valid until Handler::on_complete returns. The response is written either
// whole (respond / respond_error) or piecewise: append bytes to out() and flush() them (a proxy
// relaying a streamed body). Worker-thread confined.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/error.h"
#include "core/request_id.h"
#include "core/trace_context.h"
#include "http/message_head.h"
#include "http/response_decorator.h"
#include "http/watchdog.h"

namespace paygate::http {

class ServerConnection;


// Reusable per-connection buffers for a handler that talks to an upstream.
struct UpstreamScratch {
  std::string request_head;
  std::string body;
  ResponseHead response_head;
};

class Exchange {
 public:
  explicit Exchange(ServerConnection& connection) : connection_(connection) {}

  const RequestHead& request() const;
  std::string_view body() const;
  std::string_view request_id() const { return request_id_.view(); }
  // The request's W3C trace: the caller's traceparent continued (or its X-Trace-ID adopted),
  // else a new trace; its span id is this hop's.
  const core::TraceContext& trace() const { return trace_; }
  const boost::asio::ip::tcp::endpoint& client() const;
  std::string_view client_address() const;  // client().address() as text, made once per connection
  Clock::time_point started() const { return started_; }

  // Whole responses. They add Request-ID/X-Request-Id and Connection: close when closing.
  boost::asio::awaitable<bool> respond(int status, std::string_view content_type,
                                       std::string_view body);
  boost::asio::awaitable<bool> respond_error(core::ErrorKind kind, std::string_view message);

  // Piecewise responses: the handler writes a complete, well-framed response through out().
  std::string& out();
  boost::asio::awaitable<bool> flush();  // sends out() under the write timeout, then clears it
  void set_status(int status) { status_ = status; }

  // False when the connection closes after this response: the head must say Connection: close.
  bool keep_alive() const;
  void close_after() { close_after_ = true; }

  // A deadline for the handler's own waits (upstream connect/response). When it passes, the
  // watched upstream socket is cancelled and expired() turns true until the next expire_after().
  void expire_after(Clock::duration d);
  void watch_upstream(boost::asio::ip::tcp::socket* socket);
  bool expired() const;

  UpstreamScratch& scratch();

  // Set by a handler step for this request only (reset with the exchange).
  void set_decorator(ResponseDecorator* decorator) { decorator_ = decorator; }
  ResponseDecorator* decorator() const { return decorator_; }

  // What the access log and metrics report. `route` must outlive the exchange (snapshot-owned).
  std::string_view route;
  std::string upstream;  // "host:port" of the endpoint that answered; capacity reused
  const void* route_context = nullptr;  // opaque to http: the handler's per-route data
  const void* merchant_context = nullptr;  // opaque to http: the handler's per-merchant data
  int status() const { return status_; }
  std::uint64_t bytes_out() const { return bytes_out_; }
  bool responded() const { return status_ != 0; }

 private:
  friend class ServerConnection;
  void reset(Clock::time_point now);

  ServerConnection& connection_;
  core::RequestId request_id_;
  core::TraceContext trace_;
  Clock::time_point started_{};
  int status_ = 0;
  std::uint64_t bytes_out_ = 0;
  bool close_after_ = false;
  ResponseDecorator* decorator_ = nullptr;
};

// Handler: what a server does with each request. One instance serves all connections of a
// worker; calls happen on that worker's thread.
class Handler {
 public:
  virtual ~Handler() = default;
  // Must answer the exchange unless the connection broke while doing so.
  virtual boost::asio::awaitable<void> handle(Exchange& exchange) = 0;
  // After the response was written, or after the server refused a request itself (then
  // exchange.route is empty). For logs and metrics.
  virtual void on_complete(const Exchange& exchange) { (void)exchange; }
  // The server refused bytes that were not a valid request; `reason` is a metric label.
  virtual void on_rejected(std::string_view reason) { (void)reason; }
  virtual void on_connection_change(int delta) { (void)delta; }
};

}  // namespace paygate::http
