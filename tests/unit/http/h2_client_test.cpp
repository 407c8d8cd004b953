#include "http/h2_client.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_pair.h"

namespace paygate::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// The session speaks over `client`, the test's peer over `server` (polled, never blocking).
struct Pair : test_support::LoopbackPair {
  Pair() { server.non_blocking(true); }
};

// The upstream: nghttp2's server session, driven by hand (pump) from the test's thread.
class Peer {
 public:
  explicit Peer(asio::ip::tcp::socket& socket) : socket_(socket) {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_option* options = nullptr;
    nghttp2_option_new(&options);
    // Lets the peer send a header block larger than nghttp2's own 64 KiB sending limit.
    nghttp2_option_set_max_send_header_block_length(options, 1 << 20);
    nghttp2_session_server_new2(&session_, callbacks, this, options);
    nghttp2_option_del(options);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~Peer() { nghttp2_session_del(session_); }

  // Sends what nghttp2 has to send, then handles whatever arrived.
  void pump() {
    send();
    std::array<std::uint8_t, 16384> buffer;
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
      if (ec) break;
      nghttp2_session_mem_recv(session_, buffer.data(), n);
    }
    send();
  }

  void head(std::int32_t id, std::vector<std::pair<std::string, std::string>> fields) {
    std::vector<nghttp2_nv> nv;
    for (auto& [name, value] : fields) {
      nv.push_back({reinterpret_cast<std::uint8_t*>(name.data()),
                    reinterpret_cast<std::uint8_t*>(value.data()), name.size(), value.size(),
                    NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_submit_headers(session_, NGHTTP2_FLAG_END_HEADERS, id, nullptr, nv.data(), nv.size(),
                           nullptr);
  }

  void data(std::int32_t id, std::string bytes, bool end) {
    chunk_ = std::move(bytes);
    nghttp2_data_provider provider{};
    provider.source.ptr = &chunk_;
    provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t* buf,
                                std::size_t length, std::uint32_t* flags,
                                nghttp2_data_source* source, void*) -> ssize_t {
      auto& chunk = *static_cast<std::string*>(source->ptr);
      const std::size_t n = std::min(length, chunk.size());
      std::copy_n(chunk.data(), n, buf);
      chunk.erase(0, n);
      if (chunk.empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    nghttp2_submit_data(session_, end ? NGHTTP2_FLAG_END_STREAM : NGHTTP2_FLAG_NONE, id, &provider);
    send();  // the chunk is read now, before the next one replaces it
  }

  void go_away(std::int32_t last_stream_id) {
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, last_stream_id, NGHTTP2_NO_ERROR, nullptr,
                          0);
  }

  const std::vector<std::int32_t>& requests() const { return requests_; }
  int pings() const { return pings_; }

 private:
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& self = *static_cast<Peer*>(user_data);
    if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) ++self.pings_;
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
      self.requests_.push_back(frame->hd.stream_id);
    }
    return 0;
  }

  void send() {
    for (;;) {
      const std::uint8_t* data = nullptr;
      const auto n = nghttp2_session_mem_send(session_, &data);
      if (n <= 0) break;
      socket_.non_blocking(false);
      asio::write(socket_, asio::buffer(data, static_cast<std::size_t>(n)));
      socket_.non_blocking(true);
    }
  }

  asio::ip::tcp::socket& socket_;
  nghttp2_session* session_ = nullptr;
  std::vector<std::int32_t> requests_;
  int pings_ = 0;
  std::string chunk_;
};

// Runs the client's io_context and the peer until `done` (at most 3 s).
bool run_until(Pair& p, Peer& peer, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + 3s;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    peer.pump();
    p.io.restart();
    p.io.poll();
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Runs both for `d`, whatever happens.
void run_for(Pair& p, Peer& peer, Clock::duration d) {
  const auto end = Clock::now() + d;
  run_until(p, peer, [&] { return Clock::now() >= end; });
}

// read_more() to completion, the peer pumped meanwhile.
bool read_more(Pair& p, Peer& peer, H2ClientStream& stream, Clock::duration wait) {
  bool done = false;
  bool result = false;
  asio::co_spawn(p.io, stream.read_more(Clock::now() + wait), [&](std::exception_ptr, bool r) {
    result = r;
    done = true;
  });
  EXPECT_TRUE(run_until(p, peer, [&] { return done; }));
  return result;
}

std::string readable(H2ClientStream& stream) {
  return {static_cast<const char*>(stream.in().data().data()), stream.in().size()};
}

constexpr std::string_view kGet = "GET /x HTTP/1.1\r\nHost: up.test\r\n\r\n";

TEST(H2Client, BytesThatArriveWithTheEndWhileTheCallerIsAwayAreReported) {
  Pair p;
  Peer peer(p.server);
  auto session = H2ClientSession::start(std::move(p.client));
  auto stream = session->open(kGet, {}, "http");
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(run_until(p, peer, [&] { return !peer.requests().empty(); }));
  const std::int32_t id = peer.requests().front();
  peer.head(id, {{":status", "200"}, {"content-length", "10"}});
  peer.data(id, "hello", false);
  while (readable(*stream).find("hello") == std::string::npos) {
    ASSERT_TRUE(read_more(p, peer, *stream, 2s));
  }
  stream->in().consume(stream->in().size());  // the caller has relayed all it was given
  // The rest and the end come while the caller is away (writing to its client).
  peer.data(id, "world", true);
  ASSERT_TRUE(
      run_until(p, peer, [&] { return stream->state() == H2ClientStream::State::kComplete; }));
  EXPECT_TRUE(read_more(p, peer, *stream, 1s));
  EXPECT_EQ(readable(*stream), "world");
  EXPECT_FALSE(read_more(p, peer, *stream, 1s));  // and then nothing more
}

TEST(H2Client, CancelWaitEndsReadMoreAtOnce) {
  Pair p;
  Peer peer(p.server);
  auto session = H2ClientSession::start(std::move(p.client));
  auto stream = session->open(kGet, {}, "http");
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(run_until(p, peer, [&] { return !peer.requests().empty(); }));
  bool done = false;
  bool result = true;
  asio::co_spawn(p.io, stream->read_more(Clock::now() + 60s), [&](std::exception_ptr, bool r) {
    result = r;
    done = true;
  });
  run_for(p, peer, 200ms);  // it waits
  EXPECT_FALSE(done);
  stream->cancel_wait();
  const auto start = Clock::now();
  ASSERT_TRUE(run_until(p, peer, [&] { return done; }));
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_FALSE(result);
  EXPECT_EQ(stream->state(), H2ClientStream::State::kOpen);
}

TEST(H2Client, AConnectionGoingAwayClosesWhenItsLastStreamIsReset) {
  Pair p;
  Peer peer(p.server);
  auto session = H2ClientSession::start(std::move(p.client));
  auto stream = session->open(kGet, {}, "http");
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(run_until(p, peer, [&] { return !peer.requests().empty(); }));
  peer.go_away(peer.requests().front());  // covers the stream, which is never answered
  ASSERT_TRUE(run_until(p, peer, [&] { return !session->accepts_streams(); }));
  EXPECT_TRUE(session->alive());
  stream.reset();  // the caller gives up (its try timed out): RST_STREAM
  EXPECT_TRUE(run_until(p, peer, [&] { return !session->alive(); }));
}

TEST(H2Client, AResponseHeadIsBoundedAsItIsDecoded) {
  Pair p;
  Peer peer(p.server);
  auto session = H2ClientSession::start(std::move(p.client));
  auto stream = session->open(kGet, {}, "http");
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(run_until(p, peer, [&] { return !peer.requests().empty(); }));
  std::vector<std::pair<std::string, std::string>> fields{{":status", "200"}};
  // 80 times one 1000-byte field: a small HPACK block (indexed after the first), 80 kB decoded.
  for (int i = 0; i < 80; ++i) fields.emplace_back("x-big", std::string(1000, 'a'));
  peer.head(peer.requests().front(), fields);
  ASSERT_TRUE(run_until(p, peer, [&] { return stream->state() != H2ClientStream::State::kOpen; }));
  EXPECT_EQ(stream->state(), H2ClientStream::State::kFailed);
  EXPECT_EQ(stream->in().size(), 0u);
}

TEST(H2Client, AnAnsweredPingKeepsAQuietConnection) {
  Pair p;
  Peer peer(p.server);  // nghttp2 answers every PING as it is pumped
  int timeouts = 0;
  auto session = H2ClientSession::start(std::move(p.client), {20ms, 200ms, [&] { ++timeouts; }});
  run_for(p, peer, 300ms);
  EXPECT_GE(peer.pings(), 2);
  EXPECT_TRUE(session->alive());
  EXPECT_EQ(timeouts, 0);
}

TEST(H2Client, AnUnansweredPingClosesTheConnectionAndFailsItsStreams) {
  Pair p;
  Peer peer(p.server);
  int timeouts = 0;
  auto session = H2ClientSession::start(std::move(p.client), {20ms, 50ms, [&] { ++timeouts; }});
  auto stream = session->open(kGet, {}, "http");
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(run_until(p, peer, [&] { return !peer.requests().empty(); }));
  // The upstream goes silent (a dead host, a dropped NAT mapping): only the client runs.
  const auto deadline = Clock::now() + 3s;
  while (session->alive() && Clock::now() < deadline) {
    p.io.restart();
    p.io.run_for(5ms);
  }
  EXPECT_FALSE(session->alive());
  EXPECT_EQ(timeouts, 1);
  EXPECT_EQ(stream->state(), H2ClientStream::State::kFailed);
}

TEST(H2Client, NoPingWithoutAnInterval) {
  Pair p;
  Peer peer(p.server);
  auto session = H2ClientSession::start(std::move(p.client));
  run_for(p, peer, 150ms);
  EXPECT_EQ(peer.pings(), 0);
  EXPECT_TRUE(session->alive());
}

}  // namespace
}  // namespace paygate::http
