#pragma once
// H2ClientSession: one HTTP/2 connection to an upstream (RFC 9113, on nghttp2's client session),
// carrying many requests at once. Its streams speak HTTP/1.1 to their caller, as the server
// side's do to handlers: the caller writes the HTTP/1.1 request it would send on a keep-alive
// connection (head and body, http/wire.h), and reads the response back as HTTP/1.1 bytes
// (":status" and the fields as a head, Content-Length kept or the body chunked), so the same
// strict response parser and relay code serve both protocols.
//
// A session runs its own reader and writer coroutines and lives while they or a stream hold it.
// It takes new streams until the peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached, a GOAWAY
// arrives or the connection fails. A GOAWAY ends the streams it did not cover as refused (never
// processed by the upstream: safe to retry whatever the method); the streams it covered finish.
// Worker-thread confined.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection_pool.h"
#include "http/upstream_wait.h"

struct nghttp2_session;

namespace paygate::http {

class H2ClientSession;

// PINGs that find a dead connection before a request has to (RFC 9113 section 6.7): when a
// whole `interval` passed with nothing received, a PING is sent; when nothing arrives within
// `timeout` after it, the connection is closed (its streams fail) and `on_timeout` runs. A zero
// interval: never pinged.
struct H2Keepalive {
  Clock::duration interval{};
  Clock::duration timeout{};
  std::function<void()> on_timeout;
};

// One request on a session. Destroying it before the response is complete resets the stream.
// As an UpstreamWait, cancel_wait() ends read_more() now and later (state() stays kOpen).
class H2ClientStream final : public UpstreamWait {
 public:
  enum class State { kOpen, kComplete, kRefused, kFailed };

  ~H2ClientStream();
  H2ClientStream(const H2ClientStream&) = delete;
  H2ClientStream& operator=(const H2ClientStream&) = delete;

  // Response bytes (HTTP/1.1) not yet consumed by the caller.
  boost::beast::flat_buffer& in() { return in_; }
  // Waits until more response bytes arrive, the stream ends, or `deadline` passes. True when
  // bytes arrived since the previous call (they may have come, with the stream's end, while the
  // caller was busy elsewhere). False when nothing more will come: see state() (kOpen then
  // means the deadline passed).
  boost::asio::awaitable<bool> read_more(Clock::time_point deadline);
  State state() const { return state_; }
  bool received_any() const { return received_any_; }
  void cancel_wait() override;

 private:
  friend class H2ClientSession;

  // PINGs that find a dead connection before a request has to (RFC 9113 section 6.7): when a
  // whole `interval` passed with nothing received, a PING is sent; when nothing arrives within
  // `timeout` after it, the connection is closed (its streams fail) and `on_timeout` runs. A zero
  // interval: never pinged.
  struct H2Keepalive {
    Clock::duration interval{};
    Clock::duration timeout{};
    std::function<void()> on_timeout;
  };
  friend struct H2ClientCallbacks;
  H2ClientStream(std::shared_ptr<H2ClientSession> session, boost::asio::any_io_executor executor);
  void wake();

  std::shared_ptr<H2ClientSession> session_;
  std::int32_t id_ = -1;
  boost::beast::flat_buffer in_;
  std::string status_;  // ":status" while the head is collected
  std::string fields_;  // "name: value\r\n" each
  bool content_length_ = false;
  bool chunked_ = false;  // the body is written chunked (no content-length)
  bool head_done_ = false;
  bool received_any_ = false;
  bool fresh_ = false;  // bytes appended to in_ that read_more() has not reported yet
  bool cancelled_ = false;
  std::size_t unacked_ = 0;  // DATA bytes received and not yet given back as window
  State state_ = State::kOpen;
  std::string_view body_;  // the request body still to send (the caller keeps it alive)
  boost::asio::steady_timer ready_;
};

class H2ClientSession : public std::enable_shared_from_this<H2ClientSession> {
 public:
  // Starts HTTP/2 on an established connection (TCP, or TLS whose ALPN chose h2).
  static std::shared_ptr<H2ClientSession> start(std::unique_ptr<ClientConnection> connection,
                                                H2Keepalive keepalive = {});
  ~H2ClientSession();
  H2ClientSession(const H2ClientSession&) = delete;
  H2ClientSession& operator=(const H2ClientSession&) = delete;

  // Whether open() may be called: alive, no GOAWAY, below the peer's stream limit.
  bool accepts_streams() const;
  bool alive() const { return !closed_; }
  // A GOAWAY arrived (or no stream id is left): the connection only finishes its streams.
  bool going_away() const { return going_away_ || closed_; }
  std::size_t active_streams() const { return active_; }
  // Since when no stream has been open (the connection's start, or its last stream's end).
  Clock::time_point idle_since() const { return idle_since_; }
  // Sends a request given as the HTTP/1.1 head the caller built (request line, fields, final
  // CRLF) and its body, to `authority` over `scheme`. Null when the request cannot be sent.
  // `body` must stay valid until the stream's response is complete or the stream is destroyed.
  std::unique_ptr<H2ClientStream> open(std::string_view head, std::string_view body,
                                       std::string_view scheme);
  // Closes the connection; streams in flight fail.
  void close();
  // The connection's TLS state, null on h2c: its session may be resumed by the next connection.
  SSL* tls() const;

 private:
  friend class H2ClientStream;
  friend struct H2ClientCallbacks;
  explicit H2ClientSession(std::unique_ptr<ClientConnection> connection);
  boost::asio::awaitable<void> read_loop(std::shared_ptr<H2ClientSession> keep_alive);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<H2ClientSession> keep_alive);
  boost::asio::awaitable<void> ping_loop(std::shared_ptr<H2ClientSession> keep_alive,
                                         H2Keepalive keepalive);
  void wake();
  void fail_all();
  void forget(H2ClientStream& stream);

  std::unique_ptr<ClientConnection> connection_;
  nghttp2_session* session_ = nullptr;
  boost::asio::steady_timer wake_;
  boost::asio::steady_timer ping_timer_;
  std::uint64_t reads_ = 0;  // reads that brought bytes: the ping loop's sign of life
  bool wake_pending_ = false;
  bool closed_ = false;
  bool going_away_ = false;
  std::size_t active_ = 0;
  Clock::time_point idle_since_ = Clock::now();
  std::vector<H2ClientStream*> streams_;  // open streams, for failing them all at once
};

}  // namespace paygate::http
