#pragma once
// ScriptedUpstream: a canned upstream HTTP/1.1 server for unit tests of the proxy path. It
// listens on a real loopback acceptor (127.0.0.1, an ephemeral port) in the test's io_context,
// because the forwarder's pool holds TCP sockets. Each request it reads (the head, then a
// Content-Length body) is answered by the next UpstreamAnswer (the last one repeats): its bytes
// written in pieces, then, if it says so, a close, or a hold (no answer, until the peer or the
// test closes the connection). It keeps every request as received and counts connections.
//
// Single-threaded: it runs only while the test runs the io_context. Before the io_context and
// this object go away, stop() it and run the context until done(): its coroutines use it.

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <list>
#include <string>
#include <string_view>
#include <vector>

namespace paygate::test_support {

struct UpstreamAnswer {
  std::vector<std::string> pieces;  // written one write each, a millisecond apart
  bool close = false;               // close the connection after the last piece
  bool hold = false;                // then wait, answering nothing more, until a close
};

class ScriptedUpstream {
 public:
  using tcp = boost::asio::ip::tcp;

  explicit ScriptedUpstream(boost::asio::io_context& io)
      : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    ++running_;
    boost::asio::co_spawn(io, accept_loop(), boost::asio::detached);
  }
  ScriptedUpstream(const ScriptedUpstream&) = delete;
  ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Stops accepting and closes every connection; their coroutines end as the context runs.
  void stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (tcp::socket* s : sockets_) s->close(ignored);
  }
  bool done() const { return running_ == 0; }

  // The n-th request gets answers[n], the last one repeats; with none, every request is held.
  std::vector<UpstreamAnswer> answers;
  std::vector<std::string> requests;  // head and body, as received
  int accepted = 0;                   // connections accepted
  int ended = 0;                      // connections closed, by either side

 private:
  static constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
      if (ec) break;
      ++accepted;
      ++running_;
      // Each piece leaves at once: Nagle would hold a small one back for the peer's ACK.
      socket.set_option(tcp::no_delay(true), ec);
      boost::asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)),
                            boost::asio::detached);
    }
    --running_;
  }

  boost::asio::awaitable<void> serve(tcp::socket socket) {
    sockets_.push_back(&socket);
    const auto self = std::prev(sockets_.end());
    std::string in;
    while (co_await read_request(socket, in)) {
      // A copy: the test may script new answers while this one is being written.
      const UpstreamAnswer answer = answers.empty()
                                        ? UpstreamAnswer{.pieces = {}, .close = false, .hold = true}
                                        : answers[std::min(requests.size(), answers.size()) - 1];
      if (!co_await write_pieces(socket, answer.pieces)) break;
      if (answer.close) break;
      if (answer.hold) {
        while (co_await read_some(socket, in)) {
        }
        break;
      }
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    sockets_.erase(self);
    ++ended;
    --running_;
  }

  static boost::asio::awaitable<bool> read_some(tcp::socket& socket, std::string& in) {
    char buffer[4096];
    auto [ec, n] = co_await socket.async_read_some(boost::asio::buffer(buffer), kNoThrow);
    in.append(buffer, n);
    co_return !ec;
  }

  // One request into `requests`; what follows it stays in `in`.
  boost::asio::awaitable<bool> read_request(tcp::socket& socket, std::string& in) {
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!co_await read_some(socket, in)) co_return false;
    }
    head_end += 4;
    std::size_t body_size = 0;
    static constexpr std::string_view kLength = "\r\nContent-Length: ";
    if (auto at = in.find(kLength); at != std::string::npos && at < head_end) {
      body_size = std::strtoul(in.c_str() + at + kLength.size(), nullptr, 10);
    }
    while (in.size() < head_end + body_size) {
      if (!co_await read_some(socket, in)) co_return false;
    }
    requests.push_back(in.substr(0, head_end + body_size));
    in.erase(0, head_end + body_size);
    co_return true;
  }

  static boost::asio::awaitable<bool> write_pieces(tcp::socket& socket,
                                                   const std::vector<std::string>& pieces) {
    boost::asio::steady_timer pause(socket.get_executor());
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (i > 0) {  // so that the reader is likely to see each piece on its own
        pause.expires_after(std::chrono::milliseconds(1));
        co_await pause.async_wait(kNoThrow);
      }
      auto [ec, n] =
          co_await boost::asio::async_write(socket, boost::asio::buffer(pieces[i]), kNoThrow);
      (void)n;
      if (ec) co_return false;
    }
    co_return true;
  }

  tcp::acceptor acceptor_;
  std::list<tcp::socket*> sockets_;  // open connections, for stop()
  int running_ = 0;                  // coroutines not yet ended
};

}  // namespace paygate::test_support
