#pragma once
// Exchange: one request and its response, as a Handler sees it. Created by the server
// connection (http/server_connection.h) for each request and valid until Handler::handle
// returns. The response is written either
// whole (respond / respond_error) or piecewise: append bytes to out() and flush() them (a proxy
// relaying a streamed body). What the handler knows about the request beyond HTTP (its route,
// the merchant) is the handler's own business, kept outside the exchange. Worker-thread
// confined.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/request_id.h"
#include "core/trace_context.h"
#include "http/message_head.h"
#include "http/upstream_wait.h"
#include "http/watchdog.h"
#include "tls/client_names.h"

namespace paygate::http {

template <typename Stream>
class BasicServerConnection;

// Reusable per-connection buffers for the handler, so that a request allocates nothing once its
// connection has served one like it: requests of one worker interleave, so per-worker buffers
// would not do.
struct ExchangeScratch {
  std::string request_head;    // the upstream request's head
  std::string body;            // the upstream response's body
  ResponseHead response_head;  // the upstream response's head
  std::string reply_body;      // a body the gateway answers with itself
  std::string reply_fields;    // header fields added to such an answer
  std::string request_body;    // a body a step wrote in place of the client's (replace_body)
};

// ExchangeHost: the connection side of an exchange, implemented by the server connection for
// each kind of stream (plain TCP; an in-memory stream in tests), so that an exchange, and every
// handler, is the same whatever the transport.
class ExchangeHost {
 public:
  // Writes `bytes` under the write timeout; false when the client is gone.
  virtual boost::asio::awaitable<bool> write(std::string_view bytes) = 0;
  // The connection may serve another request after this one (not closing, not draining).
  virtual bool keep_alive() const = 0;
  // The handler's own deadline (Exchange::expire_after) and whether it passed.
  virtual void set_handler_deadline(Clock::duration d) = 0;
  virtual bool handler_deadline_passed() const = 0;
  virtual void watch_upstream(boost::asio::ip::tcp::socket* socket) = 0;
  virtual void watch_upstream_wait(UpstreamWait* wait) = 0;
  // The protocol the request came in by, for logs and metrics: "http/1.1" or "h2".
  virtual std::string_view protocol() const { return "http/1.1"; }

 protected:
  ~ExchangeHost() = default;
};

// The parts of a request the connection owns and an exchange shows, by reference.
struct ExchangeViews {
  const RequestHead& head;
  const std::string& body;
  const boost::asio::ip::tcp::endpoint& peer;
  const std::string& peer_address;
  const tls::ClientNames& client_names;  // the connection's, read once after its handshake
  std::string& out;
  ExchangeScratch& scratch;
};

class Exchange {
 public:
  Exchange(ExchangeHost& host, ExchangeViews views) : host_(host), views_(views) {}

  const RequestHead& request() const { return views_.head; }
  std::string_view body() const { return replaced_body_ ? *replaced_body_ : views_.body; }
  // From now on the request's body is `body`, as a step rewrote it (sensitive fields encrypted):
  // what is forwarded, signed and mirrored. Kept in scratch().request_body.
  void replace_body(std::string_view body) {
    views_.scratch.request_body.assign(body);
    replaced_body_ = &views_.scratch.request_body;
  }
  std::string_view request_id() const { return request_id_.view(); }
  // The request's W3C trace: the caller's traceparent continued (or its X-Trace-ID adopted),
  // else a new trace; its span id is this hop's.
  const core::TraceContext& trace() const { return trace_; }
  const boost::asio::ip::tcp::endpoint& client() const { return views_.peer; }
  // client().address() as text, made once per connection
  std::string_view client_address() const { return views_.peer_address; }
  // The names of the client certificate the TLS listener verified (its client_ca); none on
  // cleartext or without one.
  const tls::ClientNames& client_names() const { return views_.client_names; }
  std::string_view protocol() const { return host_.protocol(); }
  Clock::time_point started() const { return started_; }
  // The request arrived, whole or in part, in TLS 1.3 early data (0-RTT), before the client's
  // handshake was done: it may be a replay (RFC 8470).
  bool early() const { return early_; }
  // Takes `other`'s request id and trace: a copy of its request sent elsewhere (a shadow,
  // steps/shadow_traffic.h) is the same request to whoever reads the logs.
  void adopt_identity(const Exchange& other) {
    request_id_ = other.request_id_;
    trace_ = other.trace_;
  }

  // Whole responses. They add Request-ID/X-Request-Id and Connection: close when closing;
  // `fields` are more header lines ("Name: value\r\n" each) for the head. The answer to a HEAD
  // request is the head alone, with the Content-Length of `body` (RFC 9110 section 9.3.2).
  // respond_error writes its body in scratch().reply_body.
  boost::asio::awaitable<bool> respond(int status, std::string_view content_type,
                                       std::string_view body, std::string_view fields = {});
  boost::asio::awaitable<bool> respond_error(core::ErrorKind kind, std::string_view message);

  // Piecewise responses: the handler writes a complete, well-framed response through out().
  std::string& out() { return views_.out; }
  boost::asio::awaitable<bool> flush();  // sends out() under the write timeout, then clears it
  void set_status(int status) { status_ = status; }

  // False when the connection closes after this response: the head must say Connection: close.
  bool keep_alive() const { return host_.keep_alive() && !close_after_; }
  void close_after() { close_after_ = true; }

  // A deadline for the handler's own waits (upstream connect/response). When it passes, the
  // watched upstream socket is cancelled and expired() turns true until the next expire_after().
  void expire_after(Clock::duration d) { host_.set_handler_deadline(d); }
  void watch_upstream(boost::asio::ip::tcp::socket* socket) { host_.watch_upstream(socket); }
  // The same for a wait that is not a socket (http/upstream_wait.h); nullptr when it is over.
  void watch_upstream_wait(UpstreamWait* wait) { host_.watch_upstream_wait(wait); }
  bool expired() const { return host_.handler_deadline_passed(); }

  ExchangeScratch& scratch() { return views_.scratch; }
  const ExchangeScratch& scratch() const { return views_.scratch; }

  // "host:port" of the upstream endpoint that answered, for the access log; capacity reused.
  std::string upstream;
  // Upstream tries the request took (retries included), for the access log; 0 when none.
  unsigned upstream_tries = 0;
  int status() const { return status_; }
  std::uint64_t bytes_out() const { return bytes_out_; }
  bool responded() const { return status_ != 0; }

 private:
  template <typename Stream>
  friend class BasicServerConnection;
  friend struct RequestAdmission;
  friend class H2Session;
  void reset(Clock::time_point now);

  ExchangeHost& host_;
  ExchangeViews views_;
  core::RequestId request_id_;
  core::TraceContext trace_;
  Clock::time_point started_{};
  int status_ = 0;
  std::uint64_t bytes_out_ = 0;
  bool close_after_ = false;
  bool early_ = false;
  const std::string* replaced_body_ = nullptr;
};

// What a TLS handshake on a downstream connection came to, for metrics.
struct TlsHandshake {
  // TLS 1.3 early data: none offered, taken, or refused (early data off, a ticket already
  // used or too old, a full handshake).
  enum class EarlyData : std::uint8_t { kNone, kAccepted, kRejected };

  bool ok = false;
  bool resumed = false;      // an abbreviated handshake (session ticket or cache)
  std::string_view version;  // "TLSv1.3"; empty when it failed
  std::string_view alpn;     // the protocol ALPN selected; empty when none was
  EarlyData early_data = EarlyData::kNone;
};

// Handler: what a server does with each request. One instance serves all connections of a
// worker; calls happen on that worker's thread.
class Handler {
 public:
  virtual ~Handler() = default;
  // Answers the exchange (unless the connection broke while doing so) and accounts for it:
  // logs and metrics are the handler's, once its answer is written.
  virtual boost::asio::awaitable<void> handle(Exchange& exchange) = 0;
  // The server answered a request itself, refusing bytes that were not a valid request or came
  // too slowly: `exchange` holds the status and request id, `reason` is a metric label
  // (observe/metric_names.h, kReject*). Called before the refusal is written.
  virtual void on_refused(const Exchange& exchange, std::string_view reason) {
    (void)exchange;
    (void)reason;
  }
  // A connection was closed as it was accepted: the listener's max_connections was reached.
  virtual void on_connection_refused() {}
  virtual void on_connection_change(int delta) { (void)delta; }
  // A TLS listener finished a handshake, or gave up on one (bad client, timeout).
  virtual void on_tls_handshake(const TlsHandshake& handshake) { (void)handshake; }
  // An HTTP/2 client broke a limit or the protocol (http/h2_session.h; observe/metric_names.h,
  // kHttp2*).
  virtual void on_http2_abuse(std::string_view kind) { (void)kind; }
};

}  // namespace paygate::http
