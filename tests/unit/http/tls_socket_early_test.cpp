// TlsSocket and TLS 1.3 early data: a client resuming a session sends a request as 0-RTT data;
// the server's handshake hands it over before the client's Finished, may answer it at once
// (0.5-RTT), and tells early bytes from the bytes after the handshake. A ticket carries early
// data once, and a listener without early data refuses it. The client is plain blocking
// OpenSSL on its own thread, so that it can hold its Finished back until the server has answered.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "http/tls_socket.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"
#include "tls/client_context.h"
#include "tls/server_context.h"

namespace paygate::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kPatience = std::chrono::seconds(10);

std::chrono::sys_seconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

using SslHandle = std::unique_ptr<SSL, decltype(&SSL_free)>;

// One blocking client connection to `port`.
struct Client {
  Client(const tls::ClientContext& context, unsigned short port, SSL_SESSION* session = nullptr)
      : socket(io), ssl(context.new_session("pay.test", session), SSL_free) {
    socket.connect({asio::ip::address_v4::loopback(), port});
    SSL_set_fd(ssl.get(), socket.native_handle());
  }
  // Freed without its close_notify, OpenSSL would take the session for a broken one and mark
  // it unresumable.
  ~Client() {
    if (SSL_is_init_finished(ssl.get()) == 1) SSL_shutdown(ssl.get());
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  // Everything until the server closes, or `bytes` of it.
  std::string read(std::size_t bytes) {
    std::string got;
    char buffer[256];
    std::size_t n = 0;
    while (got.size() < bytes && SSL_read_ex(ssl.get(), buffer, sizeof buffer, &n) == 1) {
      got.append(buffer, n);
    }
    return got;
  }
  bool write(std::string_view text) {
    std::size_t n = 0;
    return SSL_write_ex(ssl.get(), text.data(), text.size(), &n) == 1 && n == text.size();
  }

  asio::io_context io;
  tcp::socket socket;
  SslHandle ssl;
};

// What the server saw on one connection.
struct Seen {
  std::string early;  // handed over by the handshake
  bool unfinished = false;
  std::string after;  // read afterwards
  bool after_was_early = true;
  int status = -1;  // SSL_get_early_data_status
};

class TlsSocketEarlyDataTest : public ::testing::Test {
 protected:
  TlsSocketEarlyDataTest() {
    const auto leaf = test::make_test_leaf(ca_, {"pay.test"});
    settings_.certificates.push_back(
        {{dir_.write("leaf.pem", leaf.certificate), dir_.write("leaf.key", leaf.key)}, ""});
    settings_.early_data.enabled = true;
    tls::BuildError error;
    tls::ClientSettings c;
    c.ca_file = dir_.write("ca.pem", ca_.certificate);
    client_ = tls::ClientContext::build(c, error);
    EXPECT_TRUE(client_) << error.message;
  }

  std::shared_ptr<const tls::ServerContext> server(bool early_data) {
    tls::ServerSettings s = settings_;
    s.early_data.enabled = early_data;
    tls::BuildError error;
    auto context = tls::ServerContext::build(s, now(), error);
    EXPECT_TRUE(context) << error.message;
    return context;
  }

  // Serves `connections` connections of `context` one after another: the handshake (taking
  // early data when `early`), an answer at once when early data came (before reading on, so
  // before the client's Finished when it holds that back), then "late\n" is read and answered.
  void serve(const std::shared_ptr<const tls::ServerContext>& context, bool early,
             std::vector<Seen>& seen, std::promise<void>* answered_early = nullptr) {
    asio::co_spawn(
        io_,
        [&, context, early, answered_early]() -> asio::awaitable<void> {
          for (Seen& s : seen) {
            auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
            if (ec) co_return;
            TlsSocket tls(std::move(socket), context->new_session());
            char buffer[1024];
            std::size_t n = 0;
            if (early) {
              std::tie(ec, n) = co_await tls.async_handshake_early(asio::buffer(buffer), kNoThrow);
            } else {
              std::tie(ec) = co_await tls.async_handshake(asio::ssl::stream_base::server, kNoThrow);
            }
            EXPECT_FALSE(ec) << ec.message();
            s.early.assign(buffer, n);
            s.unfinished = tls.in_early_data();
            if (n > 0) {
              co_await asio::async_write(tls, asio::buffer("early-answer\n", 13), kNoThrow);
              if (answered_early) answered_early->set_value();
            }
            while (!s.after.ends_with("late\n")) {
              std::tie(ec, n) = co_await tls.async_read_some(asio::buffer(buffer), kNoThrow);
              if (ec) break;
              s.after.append(buffer, n);
              s.after_was_early = tls.read_was_early();
            }
            s.status = SSL_get_early_data_status(tls.native_handle());
            co_await asio::async_write(tls, asio::buffer("late-answer\n", 12), kNoThrow);
            tls.send_close_notify();
          }
        },
        asio::detached);
  }

  // A session of `context` that offers early data, from one whole connection.
  tls::SessionHandle ticket(const std::shared_ptr<const tls::ServerContext>& context) {
    std::vector<Seen> seen(1);
    serve(context, false, seen);
    tls::SessionHandle session;
    std::thread client([&] {
      Client c(*client_, port());
      EXPECT_EQ(SSL_connect(c.ssl.get()), 1);
      EXPECT_TRUE(c.write("late\n"));
      EXPECT_EQ(c.read(12), "late-answer\n");
      session = tls::resumable_session(c.ssl.get());
    });
    run();
    client.join();
    EXPECT_TRUE(session);
    EXPECT_GT(session ? SSL_SESSION_get_max_early_data(session.get()) : 0u, 0u);
    return session;
  }

  // Sends `request` as early data on a session resumed with `session`; the client's Finished
  // waits for `go` when given. Returns what came back, and the client's view of early data.
  std::string send_early(SSL_SESSION* session, std::string_view request, int& status,
                         std::future<void>* go = nullptr) {
    Client c(*client_, port(), session);
    std::size_t n = 0;
    EXPECT_EQ(SSL_write_early_data(c.ssl.get(), request.data(), request.size(), &n), 1);
    if (go) {
      EXPECT_EQ(go->wait_for(kPatience), std::future_status::ready);
    }
    EXPECT_EQ(SSL_connect(c.ssl.get()), 1);
    EXPECT_TRUE(c.write("late\n"));
    status = SSL_get_early_data_status(c.ssl.get());
    return c.read(64);
  }

  void run() {
    io_.restart();
    io_.run_for(kPatience);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  test::TempDir dir_{"paygate-tls-early"};
  test::PemPair ca_ = test::make_test_ca("paygate test CA");
  tls::ServerSettings settings_;
  std::shared_ptr<const tls::ClientContext> client_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, {asio::ip::address_v4::loopback(), 0}};
};

TEST_F(TlsSocketEarlyDataTest, EarlyBytesAreHandedOverBeforeTheClientsFinishedAndAnsweredAtOnce) {
  const auto context = server(true);
  const auto session = ticket(context);
  ASSERT_TRUE(session);

  std::vector<Seen> seen(1);
  std::promise<void> answered;
  serve(context, true, seen, &answered);
  std::future<void> go = answered.get_future();
  std::string reply;
  int status = -1;
  std::thread client([&] { reply = send_early(session.get(), "GET /early\n", status, &go); });
  run();
  client.join();

  EXPECT_EQ(seen[0].early, "GET /early\n");
  EXPECT_TRUE(seen[0].unfinished);  // the client held its Finished back until the answer
  EXPECT_EQ(seen[0].after, "late\n");
  EXPECT_FALSE(seen[0].after_was_early);
  EXPECT_EQ(seen[0].status, SSL_EARLY_DATA_ACCEPTED);
  EXPECT_EQ(status, SSL_EARLY_DATA_ACCEPTED);
  EXPECT_EQ(reply, "early-answer\nlate-answer\n");
}

TEST_F(TlsSocketEarlyDataTest, EarlyDataLargerThanTheBufferComesWithTheReadsThatFollow) {
  const auto context = server(true);
  const auto session = ticket(context);
  ASSERT_TRUE(session);

  std::vector<Seen> seen(1);
  const std::string request = "GET /" + std::string(3000, 'x') + "\n";
  std::string reply;
  int status = -1;
  serve(context, true, seen);
  std::thread client([&] { reply = send_early(session.get(), request, status); });
  run();
  client.join();

  EXPECT_EQ(seen[0].early.size(), 1024u);  // the handshake's buffer, filled
  EXPECT_EQ(seen[0].early + seen[0].after, request + "late\n");
  EXPECT_FALSE(seen[0].after_was_early);
  EXPECT_EQ(status, SSL_EARLY_DATA_ACCEPTED);
  EXPECT_EQ(reply, "early-answer\nlate-answer\n");
}

TEST_F(TlsSocketEarlyDataTest, ATicketCarriesEarlyDataOnce) {
  const auto context = server(true);
  const auto session = ticket(context);
  ASSERT_TRUE(session);

  std::vector<Seen> seen(2);
  std::string first, second;
  int first_status = -1, second_status = -1;
  serve(context, true, seen);
  std::thread client([&] {
    first = send_early(session.get(), "GET /once\n", first_status);
    second = send_early(session.get(), "GET /once\n", second_status);  // a replay
  });
  run();
  client.join();

  EXPECT_EQ(first_status, SSL_EARLY_DATA_ACCEPTED);
  EXPECT_EQ(seen[0].early, "GET /once\n");
  EXPECT_EQ(second_status, SSL_EARLY_DATA_REJECTED);
  EXPECT_EQ(seen[1].status, SSL_EARLY_DATA_REJECTED);
  EXPECT_EQ(seen[1].early, "");
  EXPECT_EQ(seen[1].after, "late\n");  // the replayed bytes were skipped, never read
  EXPECT_EQ(second, "late-answer\n");
}

TEST_F(TlsSocketEarlyDataTest, AListenerWithoutEarlyDataRefusesItAndNeverReadsIt) {
  const auto session = ticket(server(true));
  ASSERT_TRUE(session);

  std::vector<Seen> seen(1);
  std::string reply;
  int status = -1;
  serve(server(false), false, seen);
  std::thread client([&] { reply = send_early(session.get(), "POST /pay\n", status); });
  run();
  client.join();

  EXPECT_EQ(status, SSL_EARLY_DATA_REJECTED);
  EXPECT_EQ(seen[0].status, SSL_EARLY_DATA_REJECTED);
  EXPECT_EQ(seen[0].after, "late\n");
  EXPECT_EQ(reply, "late-answer\n");
}

}  // namespace
}  // namespace paygate::http
