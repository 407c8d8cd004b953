// TlsSocket: OpenSSL on the socket itself, driven by Asio readiness. A client through Asio's own
// ssl::stream talks to it over loopback TCP: the handshake, messages larger than a record both
// ways with a read and a write pending at once, an end without close_notify, and a cancelled
// read.
#include "http/tls_socket.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "http/tls_stream.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"
#include "tls/client_context.h"
#include "tls/server_context.h"

namespace paygate::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

std::chrono::sys_seconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

class TlsSocketTest : public ::testing::Test {
 protected:
  TlsSocketTest() {
    const auto leaf = test::make_test_leaf(ca_, {"pay.test"});
    tls::ServerSettings s;
    s.certificates.push_back(
        {{dir_.write("leaf.pem", leaf.certificate), dir_.write("leaf.key", leaf.key)}, ""});
    tls::BuildError error;
    server_ = tls::ServerContext::build(s, now(), error);
    EXPECT_TRUE(server_) << error.message;
    tls::ClientSettings c;
    c.ca_file = dir_.write("ca.pem", ca_.certificate);
    client_ = tls::ClientContext::build(c, error);
    EXPECT_TRUE(client_) << error.message;
  }

  // Runs `server(TlsSocket&)` on an accepted connection and `client(ssl::stream&)` on its peer.
  template <typename Server, typename Client>
  void run(Server server, Client client) {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
          EXPECT_FALSE(ec);
          TlsSocket tls(std::move(socket), server_->new_session());
          auto [handshake] = co_await tls.async_handshake(asio::ssl::stream_base::server, kNoThrow);
          EXPECT_FALSE(handshake) << handshake.message();
          co_await server(tls);
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          tcp::socket socket(io);
          co_await socket.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
          asio::ssl::stream<tcp::socket> stream(std::move(socket),
                                                client_->new_session("pay.test"));
          auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
          EXPECT_FALSE(ec) << ec.message();
          co_await client(stream);
        },
        asio::detached);
    io.run();
  }

  test::TempDir dir_{"paygate-tls-socket"};
  test::PemPair ca_ = test::make_test_ca("paygate test CA");
  std::shared_ptr<const tls::ServerContext> server_;
  std::shared_ptr<const tls::ClientContext> client_;
};

TEST_F(TlsSocketTest, CarriesMessagesLargerThanARecordBothWaysAtOnce) {
  const std::string up(200'000, 'u');
  const std::string down(300'000, 'd');
  std::string got_up, got_down;
  run(
      [&](TlsSocket& tls) -> asio::awaitable<void> {
        // The write of `down` and the read of `up` overlap on the one SSL object.
        bool written = false;
        asio::co_spawn(
            tls.get_executor(),
            [&]() -> asio::awaitable<void> {
              auto [ec, n] = co_await asio::async_write(tls, asio::buffer(down), kNoThrow);
              EXPECT_FALSE(ec);
              EXPECT_EQ(n, down.size());
              written = true;
            },
            asio::detached);
        got_up.resize(up.size());
        auto [ec, n] = co_await asio::async_read(tls, asio::buffer(got_up), kNoThrow);
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_EQ(n, up.size());
        while (!written) {
          asio::steady_timer t(tls.get_executor(), std::chrono::milliseconds(1));
          co_await t.async_wait(asio::use_awaitable);
        }
      },
      [&](asio::ssl::stream<tcp::socket>& s) -> asio::awaitable<void> {
        co_await asio::async_write(s, asio::buffer(up), asio::use_awaitable);
        got_down.resize(down.size());
        co_await asio::async_read(s, asio::buffer(got_down), asio::use_awaitable);
      });
  EXPECT_EQ(got_up, up);
  EXPECT_EQ(got_down, down);
}

TEST_F(TlsSocketTest, APeerThatClosesWithoutCloseNotifyEndsTheStream) {
  boost::system::error_code end;
  run(
      [&](TlsSocket& tls) -> asio::awaitable<void> {
        char byte;
        auto [ec, n] = co_await tls.async_read_some(asio::buffer(&byte, 1), kNoThrow);
        end = ec;
        EXPECT_EQ(n, 0u);
        EXPECT_EQ(ERR_peek_error(), 0u);  // the thread's queue is left clean
      },
      [&](asio::ssl::stream<tcp::socket>& s) -> asio::awaitable<void> {
        s.next_layer().close();
        co_return;
      });
  EXPECT_EQ(end, asio::error::eof);
}

// A connection the gateway closes ends with close_notify: an OpenSSL client reads a clean end,
// not a truncation, and keeps the session to resume its next connection with.
TEST_F(TlsSocketTest, ClosingSendsCloseNotifySoTheClientKeepsItsSession) {
  boost::system::error_code end;
  bool resumable = false;
  run(
      [&](TlsSocket& tls) -> asio::awaitable<void> {
        StreamOps<TlsStream>::close(tls);
        co_return;
      },
      [&](asio::ssl::stream<tcp::socket>& s) -> asio::awaitable<void> {
        char byte;
        auto [ec, n] = co_await s.async_read_some(asio::buffer(&byte, 1), kNoThrow);
        (void)n;
        end = ec;
        resumable = SSL_SESSION_is_resumable(SSL_get_session(s.native_handle())) == 1;
      });
  EXPECT_EQ(end, asio::error::eof) << end.message();
  EXPECT_TRUE(resumable);
}

TEST_F(TlsSocketTest, CancellingTheSocketEndsAPendingRead) {
  boost::system::error_code read;
  run(
      [&](TlsSocket& tls) -> asio::awaitable<void> {
        asio::steady_timer timer(tls.get_executor(), std::chrono::milliseconds(20));
        timer.async_wait([&](auto) { tls.next_layer().cancel(); });
        char byte;
        auto [ec, n] = co_await tls.async_read_some(asio::buffer(&byte, 1), kNoThrow);
        (void)n;
        read = ec;
      },
      [&](asio::ssl::stream<tcp::socket>& s) -> asio::awaitable<void> {
        asio::steady_timer wait(s.get_executor(), std::chrono::milliseconds(200));
        co_await wait.async_wait(asio::use_awaitable);
      });
  EXPECT_EQ(read, asio::error::operation_aborted);
}

}  // namespace
}  // namespace paygate::http
