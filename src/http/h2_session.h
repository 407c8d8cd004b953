#pragma once
// H2Session: the HTTP/2 side of one downstream connection (RFC 9113), on nghttp2's server
// session: frames in, frames out, and one Exchange per stream served by the same Handler as an
// HTTP/1.1 request. The story of a stream:
//   HEADERS (+ CONTINUATION) -> fields collected (http/h2_request.h) -> DATA up to the body limit
//   -> END_STREAM -> the head parsed and admitted like an HTTP/1.1 head (http/request_admission.h)
//   -> the handler runs in its own coroutine -> what it writes is translated into HEADERS and DATA
//   (http/h2_response.h) under the client's flow control.
// Each stream has its own deadlines: header_read_timeout for its header block, body_read_timeout
// for its body (408 when it passes), write_timeout for a response the client's window holds back
// (RST_STREAM). The connection closes after idle_timeout with no stream.
//
// Abuse is ended, not absorbed: over max_resets_per_second client resets (rapid reset,
// CVE-2023-44487), max_control_frames_per_second SETTINGS/PING/PRIORITY/empty frames, or
// max_continuation_frames after one HEADERS, the connection gets GOAWAY ENHANCE_YOUR_CALM and is
// closed; a stream that would pass max_concurrent_streams counting handlers still running for
// reset streams is refused (REFUSED_STREAM); an HPACK-expanded header list over the listener's
// max_header_bytes is answered 431. Each is counted (Handler::on_http2_abuse).
//
// A stream opened in TLS 1.3 early data is early (Exchange::early(); http/h2_early_streams.h),
// like an HTTP/1.1 request whose bytes were.
//
// The transport is the caller's (http/h2_connection.h): it feeds what it reads to receive() and
// writes what take_output() gives. Worker-thread confined.

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/h2_early_streams.h"
#include "http/server_connection.h"

struct nghttp2_session;

namespace paygate::http {

// What the session asks of the connection's stream.
class H2Transport {
 public:
  virtual void cancel() = 0;  // fail pending reads and writes
  virtual void close() = 0;

 protected:
  ~H2Transport() = default;
};

struct H2Stream;

class H2Session final : public Watchdog::Entry {
 public:
  // `client_names`: of the client's verified certificate, shared by every stream (TLS).
  H2Session(ConnectionContext& context, boost::asio::any_io_executor executor,
            const boost::asio::ip::tcp::endpoint& peer, H2Transport& transport,
            tls::ClientNames client_names = {});
  ~H2Session() override;
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Bytes read from the client, the first `early_bytes` of them TLS early data. False when the
  // connection is to end (once take_output() has nothing more).
  bool receive(std::string_view bytes, std::size_t early_bytes = 0);
  // Appends the frames to send now to `out`.
  void take_output(std::string& out);
  // Nothing more to read or write and no handler still running: the connection may close.
  bool finished() const;
  // The session takes more bytes from the client.
  bool wants_read() const;
  // The client is gone (a read or write failed): handlers end early, nothing more is sent.
  void transport_closed();
  // The writer has ended (finished() was true): bytes read from now on are dropped unparsed.
  void writer_done();
  // Waits until there may be output (or the session may have finished).
  boost::asio::awaitable<void> output_wanted();
  // The write of take_output()'s bytes began or ended (bounded by write_timeout).
  void writing(bool on);
  // The session ended while the client may still be sending: its bytes are read and dropped
  // for a moment (the transport is cancelled after it), so that closing does not reset the
  // connection under the GOAWAY before the client reads it. False when there is no one to wait
  // for.
  bool start_linger();

  // ExchangeHost work for the streams.
  boost::asio::awaitable<bool> write(H2Stream& stream, std::string_view bytes);
  void set_stream_deadline(H2Stream& stream, Clock::duration d);

 private:
  friend struct H2Callbacks;

  void on_deadline() override;
  void on_drain() override;
  void on_close() override;

  H2Stream* open_stream(std::int32_t id);
  void release(H2Stream& stream);
  void dispatch(H2Stream& stream);
  void refuse(H2Stream& stream, const Refusal& refusal);
  bool submit(H2Stream& stream);
  boost::asio::awaitable<void> serve(H2Stream& stream);
  void reset(H2Stream& stream, std::uint32_t error_code);
  bool count_control_frame();
  bool count_reset();
  bool count_in_window(std::uint32_t& count, std::uint32_t limit, std::string_view abuse_kind);
  void abuse(std::string_view kind);
  void go_away(std::uint32_t error_code);
  void wake();
  void check_streams(Clock::time_point now);

  ConnectionContext& context_;
  boost::asio::any_io_executor executor_;
  const boost::asio::ip::tcp::endpoint& peer_;
  std::string peer_address_;
  tls::ClientNames client_names_;
  H2Transport& transport_;
  const ServerLimits* limits_;
  nghttp2_session* session_ = nullptr;
  std::vector<std::unique_ptr<H2Stream>> streams_;  // every stream object made, reused
  std::vector<H2Stream*> free_;
  std::vector<H2Stream*> ready_;  // streams to answer once nghttp2's callbacks have returned
  std::size_t busy_ = 0;          // stream objects in use (open streams and running handlers)
  std::size_t handlers_ = 0;      // handlers running
  boost::asio::steady_timer wake_;
  bool wake_pending_ = false;
  bool transport_closed_ = false;
  bool writer_done_ = false;
  bool fatal_ = false;     // a protocol error or abuse: GOAWAY, then close
  bool draining_ = false;  // GOAWAY NO_ERROR sent: finish the streams in progress, then close
  Clock::time_point write_deadline_ = Clock::time_point::max();
  Clock::time_point linger_deadline_ = Clock::time_point::max();
  Clock::time_point idle_deadline_;
  // Abuse accounting: events in the current one-second window.
  Clock::time_point window_start_{};
  std::uint32_t resets_in_window_ = 0;
  std::uint32_t control_in_window_ = 0;
  std::uint32_t continuations_ = 0;  // CONTINUATION frames since the last HEADERS
  H2EarlyStreams early_streams_;
};

}  // namespace paygate::http
