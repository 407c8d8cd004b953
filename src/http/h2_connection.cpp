#include "http/h2_connection.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>

#include "http/h2_session.h"
#include "http/tls_stream.h"

namespace paygate::http {

namespace asio = boost::asio;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

template <typename Stream>
class StreamTransport final : public H2Transport {
 public:
  explicit StreamTransport(Stream& stream) : stream_(stream) {}
  void cancel() override { StreamOps<Stream>::cancel(stream_); }
  void close() override { StreamOps<Stream>::close(stream_); }

 private:
  Stream& stream_;
};

// Whether the bytes of the latest read were TLS early data.
bool read_was_early(asio::ip::tcp::socket&) { return false; }
bool read_was_early(TlsStream& stream) { return stream.read_was_early(); }

template <typename Stream>
asio::awaitable<void> read_frames(Stream& stream, H2Session& session) {
  std::array<char, 16 * 1024> buffer;
  while (session.wants_read()) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), kNoThrow);
    if (ec) {
      session.transport_closed();
      break;
    }
    if (!session.receive({buffer.data(), n}, read_was_early(stream) ? n : 0)) break;
  }
}

template <typename Stream>
asio::awaitable<void> write_frames(Stream& stream, H2Session& session) {
  std::string out;
  for (;;) {
    out.clear();
    session.take_output(out);
    if (!out.empty()) {
      session.writing(true);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), kNoThrow);
      (void)n;
      session.writing(false);
      if (ec) session.transport_closed();
      continue;
    }
    if (session.finished()) break;
    co_await session.output_wanted();
  }
  // The reader may still wait for bytes the client will never send, or hold a read that
  // completed before this cancel: receive() drops it rather than starting a handler.
  session.writer_done();
  StreamOps<Stream>::cancel(stream);
}

// What lingering reads: the bytes are dropped unread, so TLS need not decrypt them.
asio::ip::tcp::socket& socket_of(asio::ip::tcp::socket& socket) { return socket; }
asio::ip::tcp::socket& socket_of(TlsStream& stream) { return stream.next_layer(); }

template <typename Stream>
asio::awaitable<void> linger(Stream& stream, H2Session& session) {
  static constexpr std::size_t kMaxDiscard = 256 * 1024;
  StreamOps<Stream>::shutdown_send(stream);
  if (!session.start_linger()) co_return;
  std::array<char, 16 * 1024> buffer;
  for (std::size_t discarded = 0; discarded < kMaxDiscard;) {
    auto [ec, n] = co_await socket_of(stream).async_read_some(asio::buffer(buffer), kNoThrow);
    if (ec) break;
    discarded += n;
  }
}
}  // namespace

template <typename Stream>
asio::awaitable<void> serve_h2(Stream stream, ConnectionContext& context, std::string_view preread,
                               std::size_t preread_early) {
  using asio::experimental::awaitable_operators::operator&&;
  const asio::ip::tcp::endpoint peer = StreamOps<Stream>::peer(stream);
  StreamTransport<Stream> transport(stream);
  H2Session session(context, stream.get_executor(), peer, transport, client_names_of(stream));
  if (preread.empty() || session.receive(preread, preread_early)) {
    co_await (read_frames(stream, session) && write_frames(stream, session));
  } else {
    co_await write_frames(stream, session);
  }
  co_await linger(stream, session);
  StreamOps<Stream>::close(stream);
}

template <typename Stream>
asio::awaitable<void> serve_http(Stream stream, ConnectionContext& context,
                                 std::string_view early) {
  std::optional<Stream> handed_over;
  std::string preread;
  std::size_t preread_early = 0;
  {
    BasicServerConnection<Stream> connection(std::move(stream), context);
    connection.take_early_data(early);
    if (co_await connection.run() == BasicServerConnection<Stream>::Ending::kHttp2) {
      preread.assign(connection.buffered());
      preread_early = connection.buffered_early();
      handed_over.emplace(connection.release_stream());
    }
  }
  if (handed_over) co_await serve_h2(std::move(*handed_over), context, preread, preread_early);
}

template asio::awaitable<void> serve_http(asio::ip::tcp::socket, ConnectionContext&,
                                          std::string_view);
template asio::awaitable<void> serve_http(TlsStream, ConnectionContext&, std::string_view);
template asio::awaitable<void> serve_h2(asio::ip::tcp::socket, ConnectionContext&, std::string_view,
                                        std::size_t);
template asio::awaitable<void> serve_h2(TlsStream, ConnectionContext&, std::string_view,
                                        std::size_t);

}  // namespace paygate::http
