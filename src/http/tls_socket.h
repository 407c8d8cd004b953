#pragma once
// TlsSocket: a downstream TLS connection whose records OpenSSL writes straight to the TCP socket
// and reads from a staging buffer that Asio fills with a plain receive. Asio's ssl::stream routes
// every record through a BIO pair and its own buffers (one more copy each way, two more
// allocations per connection), which kept HTTPS behind nginx. Letting OpenSSL read the socket
// itself and waiting for readiness with async_wait cost an epoll_ctl per wait (Asio re-arms the
// descriptor for every wait); a receive that finds nothing is queued without one. OpenSSL still
// does all of TLS; this only decides who moves the bytes. An operation that OpenSSL answers with
// WANT_READ receives more into the staging buffer, one answered with WANT_WRITE waits for the
// socket to become writable; both then try again (as OpenSSL asks: the same call with the same
// arguments). One read and one write may be pending at once (HTTP/2 reads while it writes); both
// run on the connection's thread.
//
// TLS 1.3 early data (0-RTT), when the listener lets it in: async_handshake_early completes as
// soon as the client's first early bytes are read, before its Finished, so that the requests
// they carry are answered a round trip sooner. Until the handshake ends, reads return the rest
// of the early data (read_was_early() says which bytes were) and writes go out as 0.5-RTT data
// to a client not yet authenticated; the first read after the early data completes the
// handshake. Early bytes may be a replay: what they may do is the connection's to decide.
//
// Records are sent with MSG_NOSIGNAL; the first TlsSocket also makes the process ignore SIGPIPE.

#include <openssl/ssl.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace paygate::http {

class TlsSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using next_layer_type = boost::asio::ip::tcp::socket;

  // Takes ownership of `ssl` and binds it to the socket (reads through the staging buffer).
  TlsSocket(boost::asio::ip::tcp::socket socket, SSL* ssl);
  ~TlsSocket();
  TlsSocket(TlsSocket&& other) noexcept;
  TlsSocket& operator=(TlsSocket&&) = delete;
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& next_layer() { return socket_; }
  const boost::asio::ip::tcp::socket& next_layer() const { return socket_; }
  SSL* native_handle() { return ssl_; }

  // Sends close_notify once the handshake is done, in one non-blocking try: a socket buffer that
  // is full drops it, and the close goes on (nothing here waits for the peer's).
  void send_close_notify();

  // The server side of the handshake (the client side is not used downstream).
  template <typename Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(HandshakeOp{this},
                                                                              token, socket_);
  }

  // The server side of the handshake, taking the early data the context lets in: completes with
  // the early bytes read into `buffer` once there are any (the handshake goes on under later
  // reads and writes), or with what was read when the handshake is done (0 when the client sent
  // none or it was refused).
  template <typename MutableBuffer, typename Token>
  auto async_handshake_early(const MutableBuffer& buffer, Token&& token) {
    early_ = Early::kReading;
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        EarlyHandshakeOp{this, static_cast<char*>(buffer.data()), buffer.size()}, token, socket_);
  }

  // Whether the bytes the latest read returned were early data (sent before the client's
  // Finished, so possibly a replay).
  bool read_was_early() const { return read_was_early_; }
  // Whether the handshake still waits for the client's Finished after taking early data.
  bool in_early_data() const { return early_ != Early::kNone; }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    const auto first = first_buffer(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        IoOp<true>{this, first.data(), first.size()}, token, socket_);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    const auto first = first_buffer(buffers);
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        IoOp<false>{this, const_cast<void*>(first.data()), first.size()}, token, socket_);
  }

 private:
  enum class Step { kDone, kWantRead, kWantWrite, kFailed };
  // Early data: kReading until the client's EndOfEarlyData, then kFinishing until its Finished.
  enum class Early : std::uint8_t { kNone, kReading, kFinishing };
  // Before the handshake ends, a record OpenSSL could not send in full must go out before any
  // other is made (a handshake message behind 0.5-RTT data, or the reverse, fails it): the
  // operation that holds one makes the other wait for the socket too.
  enum class Blocked : std::uint8_t { kNone, kReader, kWriter };

  // What OpenSSL's reads are served from: bytes received but not yet taken, and how the stream
  // ended once it has (end of stream, or the receive's error).
  struct Staging {
    // Small first, for the many connections whose requests are small; a receive that fills it
    // makes it room for a whole TLS record and its header, for the rest of the connection.
    static constexpr std::size_t kFirstSize = 4 * 1024;
    static constexpr std::size_t kRecordSize = 17 * 1024;
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0;
    bool filled = false;  // the latest receive left no room
    std::size_t begin = 0;
    std::size_t end = 0;
    boost::system::error_code ended;
    bool receiving = false;  // a receive is pending (the reader's, or the writer's)
  };
  class Bio;

  template <typename Buffers>
  static auto first_buffer(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (it->size() > 0) return *it;
    }
    return *boost::asio::buffer_sequence_begin(buffers);
  }

  // One attempt of each operation; `error` is set when it failed for good.
  Step try_handshake(boost::system::error_code& error);
  Step try_handshake_early(char* data, std::size_t size, std::size_t& done,
                           boost::system::error_code& error);
  Step try_read_early(void* data, std::size_t size, std::size_t& done,
                      boost::system::error_code& error);
  Step try_write_early(const void* data, std::size_t size, std::size_t& done,
                       boost::system::error_code& error);
  // Whether the other operation holds an unsent record, and the bookkeeping after an attempt.
  bool blocked_by(Blocked other) const { return blocked_ == other; }
  Step note_attempt(Blocked self, Step step);
  Step try_read(void* data, std::size_t size, std::size_t& done, boost::system::error_code& error);
  Step try_write(const void* data, std::size_t size, std::size_t& done,
                 boost::system::error_code& error);
  Step step_of(int result, boost::system::error_code& error);

  // Room for the next receive (the staging buffer allocated by the first, grown once after one
  // filled it).
  boost::asio::mutable_buffer staging_space();
  // Takes a receive's outcome into the staging buffer; returns the error that ends the
  // operation itself (cancellation), while the end of stream goes to OpenSSL through the BIO.
  boost::system::error_code staged(boost::system::error_code error, std::size_t bytes);

  // Gets what OpenSSL asked for, then `self` runs again: a receive into the staging buffer for
  // WANT_READ (or, while another operation's receive is pending, readability: that receive
  // fills the buffer), writability for WANT_WRITE.
  template <typename Self>
  void wait(Step step, Self& self) {
    using Socket = boost::asio::ip::tcp::socket;
    if (step == Step::kWantWrite) return socket_.async_wait(Socket::wait_write, std::move(self));
    if (staging_.receiving) return socket_.async_wait(Socket::wait_read, std::move(self));
    staging_.receiving = true;
    socket_.async_receive(staging_space(), std::move(self));
  }

  struct HandshakeOp {
    TlsSocket* s;
    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t received) {
      (*this)(self, s->staged(ec, received));
    }
    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (ec) return self.complete(ec);
      const Step step = s->try_handshake(ec);
      if (step == Step::kWantRead || step == Step::kWantWrite) return s->wait(step, self);
      self.complete(ec);
    }
  };

  struct EarlyHandshakeOp {
    TlsSocket* s;
    char* data;
    std::size_t size;
    std::size_t done = 0;
    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t received) {
      (*this)(self, s->staged(ec, received));
    }
    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (ec) return self.complete(ec, done);
      const Step step = s->try_handshake_early(data, size, done, ec);
      if (step == Step::kWantRead || step == Step::kWantWrite) return s->wait(step, self);
      self.complete(ec, done);
    }
  };

  template <bool kRead>
  struct IoOp {
    TlsSocket* s;
    void* data;
    std::size_t size;
    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t received) {
      (*this)(self, s->staged(ec, received));
    }
    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (ec) return self.complete(ec, 0);
      if (size == 0) return self.complete({}, 0);
      std::size_t done = 0;
      const Step step =
          kRead ? s->try_read(data, size, done, ec) : s->try_write(data, size, done, ec);
      if (step == Step::kWantRead || step == Step::kWantWrite) return s->wait(step, self);
      self.complete(ec, done);
    }
  };

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_;
  Staging staging_;
  Early early_ = Early::kNone;
  Blocked blocked_ = Blocked::kNone;
  bool read_was_early_ = false;
};

}  // namespace paygate::http
