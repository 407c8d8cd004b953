#include "http/h2_client.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <tuple>
#include <utility>

#include "http/h2_fields.h"
#include "http/wire.h"

namespace paygate::http {

namespace asio = boost::asio;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
// Response bytes a stream may hold before its caller reads them: the upstream's window for the
// stream is opened again only as the caller catches up (flow control, not an unbounded buffer).
constexpr std::int32_t kStreamWindow = 1 << 20;
constexpr std::int32_t kConnectionWindow = 16 << 20;
// A response head's fields, as the forwarder bounds an HTTP/1.1 head. HPACK lets one byte stand
// for a 4 KiB field of the dynamic table, so a head is bounded as it is decoded: a 150 kB
// header block otherwise grew to 600 MB of fields, copied twice more into the HTTP/1.1 head.
constexpr std::size_t kMaxResponseHead = 64 * 1024;

std::string_view as_view(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

// Fields HTTP/2 forbids or re-expresses (RFC 9113 section 8.2.2); Host becomes :authority.
bool connection_specific(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "proxy-connection" || lower_name == "transfer-encoding" ||
         lower_name == "upgrade" || lower_name == "te" || lower_name == "host";
}

// The request's HTTP/1.1 head (our own, well-formed) as an HTTP/2 header list. `names` holds
// the lower-cased names the list points into.
bool request_headers(std::string_view head, std::string_view scheme, std::string& names,
                     std::vector<nghttp2_nv>& nv) {
  const auto line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (line_end == std::string_view::npos || sp1 == std::string_view::npos || sp1 == sp2) {
    return false;
  }
  names.clear();
  names.reserve(head.size());  // nv points into names: it must not move
  nv.clear();
  nv.push_back(h2_field(":method", line.substr(0, sp1)));
  nv.push_back(h2_field(":scheme", scheme));
  nv.push_back(h2_field(":path", line.substr(sp1 + 1, sp2 - sp1 - 1)));
  nv.push_back(h2_field(":authority", {}));  // pseudo-header fields come first: filled from Host
  bool authority = false;
  std::string_view rest = head.substr(line_end + 2);
  while (!rest.empty() && !rest.starts_with("\r\n")) {
    const auto end = rest.find("\r\n");
    const std::string_view f = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 2);
    const auto colon = f.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view value = f.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    const std::string_view name = append_lower_name(names, f.substr(0, colon));
    if (name == "host" && !authority) {
      nv[3] = h2_field(":authority", value);
      authority = true;
    }
    if (connection_specific(name)) continue;
    nv.push_back(h2_field(name, value));
  }
  if (!authority) nv.erase(nv.begin() + 3);
  return true;
}
}  // namespace

// ---- callbacks --------------------------------------------------------------------------------

struct H2ClientCallbacks {
  static H2ClientStream* stream(nghttp2_session* s, std::int32_t id) {
    return static_cast<H2ClientStream*>(nghttp2_session_get_stream_user_data(s, id));
  }

  static int on_header(nghttp2_session* s, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t name_length, const std::uint8_t* value, std::size_t value_length,
                       std::uint8_t, void*) {
    H2ClientStream* st = stream(s, frame->hd.stream_id);
    if (st == nullptr || st->head_done_) return 0;  // trailers say nothing we relay
    const std::string_view n = as_view(name, name_length);
    const std::string_view v = as_view(value, value_length);
    if (n == ":status") {
      st->status_.assign(v);
      return 0;
    }
    if (st->status_.size() + st->fields_.size() + n.size() + v.size() + 4 > kMaxResponseHead) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // the stream is reset: kFailed
    }
    if (n.starts_with(':')) return 0;
    if (n == "content-length") st->content_length_ = true;
    append_field(st->fields_, n, v);
    return 0;
  }

  static int on_data_chunk(nghttp2_session* s, std::uint8_t, std::int32_t id,
                           const std::uint8_t* data, std::size_t length, void*) {
    H2ClientStream* st = stream(s, id);
    if (st == nullptr) {  // a stream we gave up: its bytes still count against the connection
      nghttp2_session_consume_connection(s, length);
      return 0;
    }
    st->unacked_ += length;
    if (!st->head_done_) return 0;
    const std::string_view bytes = as_view(data, length);
    thread_local std::string framed;
    framed.clear();
    if (st->chunked_) {
      append_chunk(framed, bytes);
      append_to(*st, framed);
    } else {
      append_to(*st, bytes);
    }
    st->wake();
    return 0;
  }

  static int on_frame_recv(nghttp2_session* s, const nghttp2_frame* frame, void* user_data) {
    auto& self = *static_cast<H2ClientSession*>(user_data);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self.going_away_ = true;  // nghttp2 closes the streams it did not cover as refused
      return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    H2ClientStream* st = stream(s, frame->hd.stream_id);
    if (st == nullptr) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && !st->head_done_) finish_head(*st, frame);
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 && st->head_done_) {
      if (st->chunked_) {
        std::string last;
        append_last_chunk(last);
        append_to(*st, last);
      }
      st->state_ = H2ClientStream::State::kComplete;
      st->wake();
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session* s, std::int32_t id, std::uint32_t error_code,
                             void* user_data) {
    H2ClientStream* st = stream(s, id);
    if (st == nullptr) return 0;
    if (st->state_ == H2ClientStream::State::kOpen) {
      st->state_ = error_code == NGHTTP2_REFUSED_STREAM ? H2ClientStream::State::kRefused
                                                        : H2ClientStream::State::kFailed;
    }
    static_cast<H2ClientSession*>(user_data)->forget(*st);
    st->wake();
    return 0;
  }

  static ssize_t read_body(nghttp2_session* s, std::int32_t id, std::uint8_t* buf,
                           std::size_t length, std::uint32_t* flags, nghttp2_data_source*, void*) {
    H2ClientStream* st = stream(s, id);
    if (st == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const std::size_t n = std::min(length, st->body_.size());
    std::copy_n(st->body_.data(), n, buf);
    st->body_.remove_prefix(n);
    if (st->body_.empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  // The final head as HTTP/1.1; an interim (1xx) head is dropped, as the relay would drop it.
  static void finish_head(H2ClientStream& st, const nghttp2_frame* frame) {
    if (st.status_.size() == 3 && st.status_[0] == '1') {
      st.status_.clear();
      st.fields_.clear();
      st.content_length_ = false;
      return;
    }
    const bool ends = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    std::string head = "HTTP/1.1 " + st.status_ + " \r\n" + st.fields_;
    if (!st.content_length_) {
      if (ends) {
        append_content_length(head, 0);
      } else {
        st.chunked_ = true;
        head.append("Transfer-Encoding: chunked\r\n");
      }
    }
    end_head(head);
    append_to(st, head);
    st.head_done_ = true;
    st.received_any_ = true;
    st.wake();
  }

  static void append_to(H2ClientStream& st, std::string_view bytes) {
    auto space = st.in_.prepare(bytes.size());
    std::copy_n(bytes.data(), bytes.size(), static_cast<char*>(space.data()));
    st.in_.commit(bytes.size());
    st.fresh_ = true;
  }

  static const nghttp2_session_callbacks* table() {
    struct Table {
      Table() {
        nghttp2_session_callbacks_new(&callbacks);
        nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
      }
      ~Table() { nghttp2_session_callbacks_del(callbacks); }
      nghttp2_session_callbacks* callbacks = nullptr;
    };
    static const Table table;
    return table.callbacks;
  }
};

// ---- the stream -------------------------------------------------------------------------------

H2ClientStream::H2ClientStream(std::shared_ptr<H2ClientSession> session,
                               asio::any_io_executor executor)
    : session_(std::move(session)), ready_(std::move(executor)) {}

H2ClientStream::~H2ClientStream() {
  if (id_ < 0) return;
  // The caller gave up (a deadline, the client gone): the upstream may stop working on it.
  nghttp2_submit_rst_stream(session_->session_, NGHTTP2_FLAG_NONE, id_, NGHTTP2_CANCEL);
  session_->forget(*this);
  session_->wake();
}

void H2ClientStream::wake() { ready_.cancel(); }

void H2ClientStream::cancel_wait() {
  cancelled_ = true;
  wake();
}

asio::awaitable<bool> H2ClientStream::read_more(Clock::time_point deadline) {
  // The window opens again for what the caller has read, once it has caught up.
  if (id_ >= 0 && unacked_ > 0 && in_.size() < static_cast<std::size_t>(kStreamWindow) / 2) {
    nghttp2_session_consume(session_->session_, id_, unacked_);
    unacked_ = 0;
    session_->wake();
  }
  // Bytes that arrived while the caller was away (relaying the previous ones downstream) count:
  // comparing with the buffer's size at entry lost the last DATA when END_STREAM came with it.
  while (!fresh_ && state_ == State::kOpen && !cancelled_ && Clock::now() < deadline) {
    ready_.expires_at(deadline);
    co_await ready_.async_wait(kNoThrow);
  }
  co_return std::exchange(fresh_, false);
}

// ---- the session ------------------------------------------------------------------------------

H2ClientSession::H2ClientSession(std::unique_ptr<ClientConnection> connection)
    : connection_(std::move(connection)),
      wake_(connection_->socket.get_executor()),
      ping_timer_(connection_->socket.get_executor()) {
  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  nghttp2_option_set_no_auto_window_update(options, 1);
  nghttp2_session_client_new2(&session_, H2ClientCallbacks::table(), this, options);
  nghttp2_option_del(options);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(kMaxResponseHead)},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
}

H2ClientSession::~H2ClientSession() { nghttp2_session_del(session_); }

std::shared_ptr<H2ClientSession> H2ClientSession::start(
    std::unique_ptr<ClientConnection> connection, H2Keepalive keepalive) {
  const auto executor = connection->socket.get_executor();
  std::shared_ptr<H2ClientSession> self(new H2ClientSession(std::move(connection)));
  asio::co_spawn(executor, self->read_loop(self), asio::detached);
  asio::co_spawn(executor, self->write_loop(self), asio::detached);
  if (keepalive.interval > Clock::duration::zero()) {
    asio::co_spawn(executor, self->ping_loop(self, std::move(keepalive)), asio::detached);
  }
  return self;
}

bool H2ClientSession::accepts_streams() const {
  return !closed_ && !going_away_ &&
         active_ <
             nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

std::unique_ptr<H2ClientStream> H2ClientSession::open(std::string_view head, std::string_view body,
                                                      std::string_view scheme) {
  thread_local std::string names;
  thread_local std::vector<nghttp2_nv> nv;
  if (!accepts_streams() || !request_headers(head, scheme, names, nv)) return nullptr;
  std::unique_ptr<H2ClientStream> stream(
      new H2ClientStream(shared_from_this(), connection_->socket.get_executor()));
  stream->body_ = body;
  nghttp2_data_provider provider{};
  provider.read_callback = H2ClientCallbacks::read_body;
  const std::int32_t id = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(),
                                                 body.empty() ? nullptr : &provider, stream.get());
  if (id < 0) {
    // Stream ids run out after 2^30 requests: the connection takes no more, and goes once
    // idle (else every later request picked it, was refused, and ended in a 502).
    if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
      going_away_ = true;
      wake();
    }
    return nullptr;
  }
  stream->id_ = id;
  streams_.push_back(stream.get());
  ++active_;
  wake();
  return stream;
}

void H2ClientSession::forget(H2ClientStream& stream) {
  if (stream.id_ < 0) return;
  if (stream.unacked_ > 0) nghttp2_session_consume_connection(session_, stream.unacked_);
  stream.unacked_ = 0;
  nghttp2_session_set_stream_user_data(session_, stream.id_, nullptr);
  stream.id_ = -1;
  std::erase(streams_, &stream);
  if (--active_ == 0) idle_since_ = Clock::now();
}

void H2ClientSession::fail_all() {
  for (H2ClientStream* stream : std::vector<H2ClientStream*>(streams_)) {
    if (stream->state_ == H2ClientStream::State::kOpen) {
      // A request still queued in nghttp2 (its HEADERS never sent: the peer's stream limit, or
      // the writer not yet run) was not processed: refused, so it is sent again elsewhere.
      const bool never_sent = nghttp2_session_find_stream(session_, stream->id_) == nullptr;
      stream->state_ =
          never_sent ? H2ClientStream::State::kRefused : H2ClientStream::State::kFailed;
    }
    forget(*stream);
    stream->wake();
  }
}

SSL* H2ClientSession::tls() const {
  return connection_->tls ? connection_->tls->native_handle() : nullptr;
}

void H2ClientSession::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  connection_->socket.cancel(ignored);
  connection_->socket.close(ignored);
  ping_timer_.cancel();
  fail_all();
  wake();
}

void H2ClientSession::wake() {
  wake_pending_ = true;
  wake_.cancel();
}

// `keep_alive` holds the session for as long as its loops run.
asio::awaitable<void> H2ClientSession::read_loop(std::shared_ptr<H2ClientSession> keep_alive) {
  (void)keep_alive;
  ClientConnection& c = *connection_;
  std::array<char, kReadChunk> buffer;
  while (!closed_) {
    boost::system::error_code ec;
    std::size_t n = 0;
    if (c.tls) {
      std::tie(ec, n) = co_await c.tls->async_read_some(asio::buffer(buffer), kNoThrow);
    } else {
      std::tie(ec, n) = co_await c.socket.async_read_some(asio::buffer(buffer), kNoThrow);
    }
    if (ec ||
        nghttp2_session_mem_recv(session_, reinterpret_cast<std::uint8_t*>(buffer.data()), n) < 0) {
      break;
    }
    ++reads_;
    if (nghttp2_session_want_read(session_) == 0 && active_ == 0) break;
    wake();
  }
  close();
}

asio::awaitable<void> H2ClientSession::write_loop(std::shared_ptr<H2ClientSession> keep_alive) {
  (void)keep_alive;
  ClientConnection& c = *connection_;
  std::string out;
  while (!closed_) {
    out.clear();
    bool fatal = false;
    for (;;) {
      const std::uint8_t* data = nullptr;
      const auto n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) fatal = true;  // the session is unusable: waiting for a wake-up was forever
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (fatal) break;
    if (!out.empty()) {
      boost::system::error_code ec;
      std::size_t n = 0;
      if (c.tls) {
        std::tie(ec, n) = co_await asio::async_write(*c.tls, asio::buffer(out), kNoThrow);
      } else {
        std::tie(ec, n) = co_await asio::async_write(c.socket, asio::buffer(out), kNoThrow);
      }
      if (ec) break;
      continue;
    }
    // Everything is written. A connection that is going away (GOAWAY received or sent, or out
    // of stream ids) and has no stream left is done: its last stream may have ended by our own
    // RST_STREAM (a try's timeout), after which no read comes to notice it, and it stayed
    // alive forever, taking no stream and counted against max_connections_per_endpoint.
    if (active_ == 0 && (going_away_ || nghttp2_session_want_read(session_) == 0)) break;
    while (!wake_pending_ && !closed_) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(kNoThrow);
    }
    wake_pending_ = false;
  }
  close();
}

// Counting reads rather than stamping each with the clock keeps the read path free of clock
// calls: silence is seen within one interval, which is all a keep-alive needs.
asio::awaitable<void> H2ClientSession::ping_loop(std::shared_ptr<H2ClientSession> keep_alive,
                                                 H2Keepalive keepalive) {
  (void)keep_alive;
  std::uint64_t seen = reads_;
  while (!closed_) {
    ping_timer_.expires_after(keepalive.interval);
    co_await ping_timer_.async_wait(kNoThrow);
    if (closed_) break;
    if (reads_ != seen) {
      seen = reads_;
      continue;
    }
    nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
    wake();
    ping_timer_.expires_after(keepalive.timeout);
    co_await ping_timer_.async_wait(kNoThrow);
    if (closed_) break;
    if (reads_ == seen) {
      close();
      if (keepalive.on_timeout) keepalive.on_timeout();
      break;
    }
    seen = reads_;
  }
}

}  // namespace paygate::http
