#include "http/tls_accept.h"

#include <openssl/err.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <tuple>

#include "http/h2_connection.h"
#include "http/tls_stream.h"

namespace paygate::http {

namespace asio = boost::asio;

namespace {

// The watchdog's view of a connection still in its handshake: every way of ending it cancels
// the socket, which fails the handshake.
class HandshakeEntry final : public Watchdog::Entry {
 public:
  HandshakeEntry(TlsStream& stream, Watchdog& watchdog, Clock::duration timeout)
      : stream_(stream), watchdog_(watchdog) {
    expire_after(timeout);
    watchdog_.add(*this);
  }
  ~HandshakeEntry() override { watchdog_.remove(*this); }
  HandshakeEntry(const HandshakeEntry&) = delete;
  HandshakeEntry& operator=(const HandshakeEntry&) = delete;

  void on_deadline() override { StreamOps<TlsStream>::cancel(stream_); }
  void on_drain() override { StreamOps<TlsStream>::close(stream_); }
  void on_close() override { StreamOps<TlsStream>::close(stream_); }

 private:
  TlsStream& stream_;
  Watchdog& watchdog_;
};

// Early data the handshake takes before handing over; more comes with the connection's reads.
constexpr std::size_t kEarlyChunk = 4096;

TlsHandshake::EarlyData early_data_of(const SSL* ssl) {
  switch (SSL_get_early_data_status(ssl)) {
    case SSL_EARLY_DATA_ACCEPTED:
      return TlsHandshake::EarlyData::kAccepted;
    case SSL_EARLY_DATA_REJECTED:
      return TlsHandshake::EarlyData::kRejected;
    default:
      return TlsHandshake::EarlyData::kNone;
  }
}

TlsHandshake outcome_of(const boost::system::error_code& ec, SSL* ssl) {
  TlsHandshake outcome;
  outcome.ok = !ec;
  if (ec) {
    ERR_clear_error();  // the worker thread's queue stays clean for the crypto that follows
    return outcome;
  }
  outcome.resumed = SSL_session_reused(ssl) == 1;
  outcome.version = SSL_get_version(ssl);
  outcome.alpn = tls::selected_alpn(ssl);
  outcome.early_data = early_data_of(ssl);
  return outcome;
}

}  // namespace

asio::awaitable<void> serve_tls_connection(asio::ip::tcp::socket socket, ConnectionContext& context,
                                           std::shared_ptr<const tls::ServerContext> tls) {
  SSL* ssl = tls->new_session();
  if (ssl == nullptr) co_return;  // out of memory: the socket closes
  // Asio asks OpenSSL to free idle record buffers; a keep-alive connection would then allocate
  // them again for every request.
  SSL_clear_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  TlsStream stream(std::move(socket), ssl);
  std::string early;  // TLS 1.3 early data the handshake took: the connection's first bytes
  {
    HandshakeEntry entry(stream, context.watchdog, context.limits->header_read_timeout);
    boost::system::error_code ec;
    if (tls->settings().early_data.enabled) {
      early.resize(kEarlyChunk);
      std::size_t n = 0;
      std::tie(ec, n) = co_await stream.async_handshake_early(asio::buffer(early),
                                                              asio::as_tuple(asio::use_awaitable));
      early.resize(n);
    } else {
      std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                     asio::as_tuple(asio::use_awaitable));
    }
    const TlsHandshake outcome = outcome_of(ec, stream.native_handle());
    context.handler.on_tls_handshake(outcome);
    if (!outcome.ok || context.draining) co_return;
  }
  // The stream is handed over: it closes itself (StreamOps<TlsStream>::close keeps the
  // session resumable) before the connection's coroutine frees it.
  if (tls::selected_alpn(ssl) == "h2") {
    co_await serve_h2(std::move(stream), context, early, early.size());
  } else {
    co_await serve_http(std::move(stream), context, early);
  }
}

}  // namespace paygate::http
