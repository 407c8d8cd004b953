#include "http/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <cassert>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/h2_request.h"
#include "http/h2_response.h"
#include "http/head_scan.h"
#include "observe/metric_names.h"

namespace paygate::http {

namespace asio = boost::asio;
namespace names = observe::names;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// A handler writing faster than the client's window lets the stream send waits above this.
constexpr std::size_t kHighWater = 256 * 1024;
// take_output() hands the writer at most about this much at a time.
constexpr std::size_t kOutputBatch = 64 * 1024;
constexpr auto kWindow = std::chrono::seconds(1);

void forget_request(RequestHead& head) {
  head.method = Verb::unknown;
  head.method_text = head.target = head.raw_path = head.path = head.query = head.host = {};
}
}  // namespace

// One stream: its request, its exchange and its response. Reused for later streams.
struct H2Stream final : ExchangeHost {
  enum class Phase { kHeaders, kBody, kHandler };

  H2Stream(H2Session& s, const asio::ip::tcp::endpoint& peer, const std::string& peer_address,
           const tls::ClientNames& client_names, const asio::any_io_executor& executor)
      : session(s),
        exchange(*this, {head, body, peer, peer_address, client_names, out, scratch}),
        drained(executor) {}

  asio::awaitable<bool> write(std::string_view bytes) override {
    return session.write(*this, bytes);
  }
  // Whether the connection goes on is not a stream's to say.
  bool keep_alive() const override { return true; }
  void set_handler_deadline(Clock::duration d) override { session.set_stream_deadline(*this, d); }
  bool handler_deadline_passed() const override { return expired; }
  void watch_upstream(asio::ip::tcp::socket* socket) override { upstream = socket; }
  void watch_upstream_wait(UpstreamWait* wait) override {
    upstream_wait = wait;
    if (wait != nullptr && closed) wait->cancel_wait();
  }
  std::string_view protocol() const override { return "h2"; }

  void cancel_upstream() {
    if (upstream_wait != nullptr) upstream_wait->cancel_wait();
    if (upstream == nullptr) return;
    boost::system::error_code ignored;
    upstream->cancel(ignored);
  }

  H2Session& session;
  std::int32_t id = 0;
  RequestHead head;
  std::string body;
  std::string parse_sink;  // RequestParser's body target: the body arrived as DATA already
  std::string out;
  ExchangeScratch scratch;
  Exchange exchange;
  H2RequestHead request;
  H2Response response;
  std::optional<Refusal> refusal;  // decided inside an nghttp2 callback, answered after it
  Phase phase = Phase::kHeaders;
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point stall_deadline = Clock::time_point::max();  // response held by the window
  asio::steady_timer drained;  // wakes a handler waiting for the window
  asio::ip::tcp::socket* upstream = nullptr;
  UpstreamWait* upstream_wait = nullptr;
  bool closed = false;            // on_close() ran: the worker is stopping
  bool open = false;              // nghttp2 has not closed it
  bool running = false;           // its handler is running
  bool request_complete = false;  // END_STREAM received
  bool answered = false;          // a response was submitted
  bool expired = false;
};

// nghttp2's callbacks, each a thin step into the session.
struct H2Callbacks {
  static H2Session& session(void* user_data) { return *static_cast<H2Session*>(user_data); }
  static H2Stream* stream(nghttp2_session* s, std::int32_t id) {
    return static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(s, id));
  }

  static int on_begin_frame(nghttp2_session*, const nghttp2_frame_hd* hd, void* user_data) {
    H2Session& self = session(user_data);
    if (hd->type == NGHTTP2_HEADERS) self.continuations_ = 0;
    if (hd->type == NGHTTP2_CONTINUATION &&
        ++self.continuations_ > self.limits_->http2.max_continuation_frames) {
      self.abuse(names::kHttp2ContinuationFlood);
      self.go_away(NGHTTP2_ENHANCE_YOUR_CALM);
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    // Frames that carry nothing cost as much to process as any: counted like control frames.
    const bool empty = hd->length == 0 && (hd->flags & NGHTTP2_FLAG_END_STREAM) == 0 &&
                       (hd->type == NGHTTP2_DATA || hd->type == NGHTTP2_CONTINUATION);
    const bool control = hd->type == NGHTTP2_PING || hd->type == NGHTTP2_PRIORITY ||
                         (hd->type == NGHTTP2_SETTINGS && (hd->flags & NGHTTP2_FLAG_ACK) == 0);
    if ((empty || control) && !self.count_control_frame()) return NGHTTP2_ERR_CALLBACK_FAILURE;
    return 0;
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    session(user_data).open_stream(frame->hd.stream_id);
    return 0;
  }

  static int on_header(nghttp2_session* s, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t name_length, const std::uint8_t* value, std::size_t value_length,
                       std::uint8_t, void*) {
    H2Stream* st = stream(s, frame->hd.stream_id);
    // Trailers (a second HEADERS) say nothing a handler reads: dropped, like HTTP/1.1's.
    if (st == nullptr || st->phase != H2Stream::Phase::kHeaders) return 0;
    st->request.add({reinterpret_cast<const char*>(name), name_length},
                    {reinterpret_cast<const char*>(value), value_length});
    return 0;
  }

  static int on_data_chunk(nghttp2_session* s, std::uint8_t, std::int32_t id,
                           const std::uint8_t* data, std::size_t length, void* user_data) {
    H2Stream* st = stream(s, id);
    if (st == nullptr || st->refusal || st->answered) return 0;
    if (st->body.size() + length > session(user_data).limits_->max_body_bytes) {
      st->refusal = Refusal{core::ErrorKind::kPayloadTooLarge,
                            "request body too large",
                            names::kRejectBodyTooLarge,
                            {}};
      session(user_data).ready_.push_back(st);
      return 0;
    }
    st->body.append(reinterpret_cast<const char*>(data), length);
    return 0;
  }

  static int on_frame_recv(nghttp2_session* s, const nghttp2_frame* frame, void* user_data) {
    H2Session& self = session(user_data);
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      return self.count_reset() ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    H2Stream* st = stream(s, frame->hd.stream_id);
    if (st == nullptr) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && st->phase == H2Stream::Phase::kHeaders) {
      st->phase = H2Stream::Phase::kBody;
      st->deadline = Clock::now() + self.limits_->body_read_timeout;
      if (st->request.too_large()) {
        st->refusal = Refusal{core::ErrorKind::kHeaderTooLarge,
                              "header list too large",
                              names::kRejectHeaderTooLarge,
                              {}};
      }
    }
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) st->request_complete = true;
    if (st->refusal || st->request_complete) self.ready_.push_back(st);
    return 0;
  }

  // A response sent before its request was whole: ask the client to stop sending, without
  // error (RFC 9113 section 8.1).
  static int on_frame_send(nghttp2_session* s, const nghttp2_frame* frame, void*) {
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
    H2Stream* st = stream(s, frame->hd.stream_id);
    if (st != nullptr && !st->request_complete) {
      nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session* s, std::int32_t id, std::uint32_t, void* user_data) {
    H2Stream* st = stream(s, id);
    if (st == nullptr) return 0;
    st->open = false;
    st->drained.cancel();
    if (!st->running) session(user_data).release(*st);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void*) {
    H2Stream& st = *static_cast<H2Stream*>(source->ptr);
    const std::size_t n = st.response.take(buf, length);
    const bool all_sent = st.response.unsent() == 0;
    if (all_sent && st.response.complete()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    st.stall_deadline =
        all_sent ? Clock::time_point::max() : Clock::now() + st.session.limits_->write_timeout;
    if (st.response.unsent() <= kHighWater / 2) st.drained.cancel();
    if (n == 0 && (*flags & NGHTTP2_DATA_FLAG_EOF) == 0) return NGHTTP2_ERR_DEFERRED;
    return static_cast<ssize_t>(n);
  }

  static const nghttp2_session_callbacks* table() {
    struct Table {
      Table() {
        nghttp2_session_callbacks_new(&callbacks);
        nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, on_begin_frame);
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
      }
      ~Table() { nghttp2_session_callbacks_del(callbacks); }
      nghttp2_session_callbacks* callbacks = nullptr;
    };
    static const Table table;
    return table.callbacks;
  }
};

H2Session::H2Session(ConnectionContext& context, asio::any_io_executor executor,
                     const asio::ip::tcp::endpoint& peer, H2Transport& transport,
                     tls::ClientNames client_names)
    : context_(context),
      executor_(std::move(executor)),
      peer_(peer),
      peer_address_(peer.address().to_string()),
      client_names_(std::move(client_names)),
      transport_(transport),
      limits_(context.limits),
      wake_(executor_) {
  const Http2Settings& h2 = limits_->http2;
  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  // nghttp2's own floods checks stay on behind ours, which count what they end.
  // nghttp2 1.52 may count a CONTINUATION twice when a read ends inside its frame header, so
  // its limit is set well above ours, which then always decides (and names the abuse).
  nghttp2_option_set_max_continuations(options, 2 * h2.max_continuation_frames + 2);
  nghttp2_option_set_stream_reset_rate_limit(options, 2ull * h2.max_resets_per_second + 1,
                                             2ull * h2.max_resets_per_second + 1);
  nghttp2_session_server_new2(&session_, H2Callbacks::table(), this, options);
  nghttp2_option_del(options);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, h2.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, h2.initial_window_size},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, h2.max_frame_size},
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, h2.header_table_size},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<std::uint32_t>(std::min<std::size_t>(limits_->max_header_bytes, UINT32_MAX))},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  idle_deadline_ = Clock::now() + limits_->idle_timeout;
  expire_at(idle_deadline_);
  context_.watchdog.add(*this);
  context_.handler.on_connection_change(+1);
}

H2Session::~H2Session() {
  assert(handlers_ == 0);  // a handler's coroutine would be left holding a freed H2Stream
  nghttp2_session_del(session_);
  context_.watchdog.remove(*this);
  context_.handler.on_connection_change(-1);
}

bool H2Session::receive(std::string_view bytes, std::size_t early_bytes) {
  // A read that completed after the writer ended (or the transport failed) must not start a
  // handler: serve_h2 frees the session once both coroutines return.
  if (transport_closed_ || writer_done_) return false;
  early_streams_.received(bytes.substr(0, early_bytes), true);
  early_streams_.received(bytes.substr(early_bytes), false);
  const auto n = nghttp2_session_mem_recv(
      session_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (n < 0 && !fatal_) {
    // A broken frame or preface: nghttp2 has queued the GOAWAY where one is due.
    abuse(names::kHttp2ProtocolError);
    fatal_ = true;
  }
  // The streams that became ready are served outside nghttp2's callbacks.
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    H2Stream& stream = *ready_[i];
    if (!stream.open || stream.answered || stream.running) continue;
    if (stream.refusal) {
      refuse(stream, *stream.refusal);
    } else if (stream.request_complete) {
      dispatch(stream);
    }
  }
  ready_.clear();
  wake();
  return n >= 0 && !fatal_;
}

H2Stream* H2Session::open_stream(std::int32_t id) {
  if (busy_ >= limits_->http2.max_concurrent_streams || draining_ || fatal_) {
    // Handlers of streams the client reset are still running: no new work until they end.
    abuse(names::kHttp2RefusedStream);
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
    return nullptr;
  }
  if (free_.empty()) {
    streams_.push_back(
        std::make_unique<H2Stream>(*this, peer_, peer_address_, client_names_, executor_));
    free_.push_back(streams_.back().get());
  }
  H2Stream& s = *free_.back();
  free_.pop_back();
  ++busy_;
  const Clock::time_point now = Clock::now();
  s.id = id;
  s.phase = H2Stream::Phase::kHeaders;
  s.deadline = now + limits_->header_read_timeout;
  s.stall_deadline = Clock::time_point::max();
  s.request.start(limits_->max_header_bytes);
  s.body.clear();
  forget_request(s.head);  // a refusal before the head is parsed must not show the last one
  s.refusal.reset();
  s.open = true;
  s.running = s.request_complete = s.answered = s.expired = false;
  s.upstream = nullptr;
  s.upstream_wait = nullptr;
  s.exchange.reset(now);
  s.exchange.early_ = early_streams_.early(id);
  nghttp2_session_set_stream_user_data(session_, id, &s);
  expire_at(now);  // the watchdog checks the streams' deadlines every tick from now on
  return &s;
}

void H2Session::release(H2Stream& stream) {
  free_.push_back(&stream);
  if (--busy_ == 0) {
    idle_deadline_ = Clock::now() + limits_->idle_timeout;
  }
}

void H2Session::dispatch(H2Stream& s) {
  s.phase = H2Stream::Phase::kHandler;
  s.deadline = Clock::time_point::max();
  const std::string_view head = s.request.finish(s.body.size());
  s.response.start(s.request.method() == "HEAD");
  const HeadScan scan = scan_head(
      head, {limits_->max_request_line_bytes, limits_->max_header_bytes, limits_->max_header_count},
      StartLine::kRequest);
  if (scan.verdict != HeadVerdict::kComplete) {
    refuse(s, RequestAdmission::scan_failure(scan.verdict));
    return;
  }
  RequestParser parser(s.head, s.parse_sink, limits_->max_body_bytes);
  boost::beast::error_code ec;
  parser.feed(head, ec);
  if (ec && ec != boost::beast::http::error::need_more) {
    refuse(s, RequestAdmission::parse_failure(ec, &parser, s.head, *limits_));
    return;
  }
  if (auto refusal = RequestAdmission::admit(s.head, *limits_, s.exchange)) {
    refuse(s, *refusal);
    return;
  }
  s.running = true;
  ++handlers_;
  asio::co_spawn(executor_, serve(s), asio::detached);
}

void H2Session::refuse(H2Stream& s, const Refusal& refusal) {
  s.phase = H2Stream::Phase::kHandler;
  s.deadline = Clock::time_point::max();
  const Verb method = s.request.method() == "HEAD" ? Verb::head : s.head.method;
  RequestAdmission::write(refusal, method, s.exchange, s.out);
  context_.handler.on_refused(s.exchange, refusal.reason);
  s.response.start(method == Verb::head);
  if (!s.response.feed(s.out) || !s.response.finish() || !submit(s)) {
    reset(s, NGHTTP2_INTERNAL_ERROR);
  }
}

bool H2Session::submit(H2Stream& s) {
  if (!s.response.head_ready()) return true;
  int rv = 0;
  if (!s.answered) {
    s.answered = true;
    const auto headers = s.response.headers();
    const bool bodiless = s.response.complete() && s.response.unsent() == 0;
    nghttp2_data_provider provider{};
    provider.source.ptr = &s;
    provider.read_callback = H2Callbacks::read_body;
    rv = nghttp2_submit_response(session_, s.id, headers.data(), headers.size(),
                                 bodiless ? nullptr : &provider);
  } else {
    rv = nghttp2_session_resume_data(session_, s.id);
    if (rv == NGHTTP2_ERR_INVALID_ARGUMENT) rv = 0;  // not deferred: it will read on its own
  }
  if (s.response.unsent() > 0 && s.stall_deadline == Clock::time_point::max()) {
    s.stall_deadline = Clock::now() + limits_->write_timeout;
  }
  wake();
  return rv == 0;
}

asio::awaitable<bool> H2Session::write(H2Stream& s, std::string_view bytes) {
  s.exchange.bytes_out_ += bytes.size();
  if (!s.open || transport_closed_) co_return false;
  if (!s.response.feed(bytes) || !submit(s)) {
    reset(s, NGHTTP2_INTERNAL_ERROR);
    co_return false;
  }
  // transport_closed() wakes this wait too: once the client is gone nothing drains the stream
  // (take_output() sends nothing and nghttp2 never closes it), so waiting again would be forever.
  while (s.open && !transport_closed_ && s.response.unsent() > kHighWater) {
    s.drained.expires_at(asio::steady_timer::time_point::max());
    co_await s.drained.async_wait(kNoThrow);
  }
  co_return s.open && !transport_closed_;
}

asio::awaitable<void> H2Session::serve(H2Stream& s) {
  co_await context_.handler.handle(s.exchange);
  s.upstream = nullptr;
  s.upstream_wait = nullptr;
  if (s.open && !s.exchange.responded()) {  // a handler's bug; the stream must not hang on it
    co_await s.exchange.respond_error(core::ErrorKind::kInternal, "no response was produced");
  }
  s.running = false;
  --handlers_;
  if (s.open) {
    if (!s.response.finish() || !submit(s)) reset(s, NGHTTP2_INTERNAL_ERROR);
  }
  if (!s.open) release(s);
  wake();
}

void H2Session::set_stream_deadline(H2Stream& s, Clock::duration d) {
  s.expired = s.closed;  // once the worker has closed the connection, every later wait is over
  s.deadline = Clock::now() + d;
}

void H2Session::reset(H2Stream& s, std::uint32_t error_code) {
  if (s.open) nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, error_code);
  wake();
}

bool H2Session::count_control_frame() {
  return count_in_window(control_in_window_, limits_->http2.max_control_frames_per_second,
                         names::kHttp2ControlFlood);
}

bool H2Session::count_reset() {
  return count_in_window(resets_in_window_, limits_->http2.max_resets_per_second,
                         names::kHttp2RapidReset);
}

// One more event of a kind the client may send `limit` of a second; past it, the connection
// ends with ENHANCE_YOUR_CALM and the abuse is counted.
bool H2Session::count_in_window(std::uint32_t& count, std::uint32_t limit,
                                std::string_view abuse_kind) {
  const Clock::time_point now = Clock::now();
  if (now - window_start_ >= kWindow) {
    window_start_ = now;
    resets_in_window_ = control_in_window_ = 0;
  }
  if (++count <= limit) return true;
  abuse(abuse_kind);
  go_away(NGHTTP2_ENHANCE_YOUR_CALM);
  return false;
}

void H2Session::abuse(std::string_view kind) { context_.handler.on_http2_abuse(kind); }

void H2Session::go_away(std::uint32_t error_code) {
  if (fatal_) return;
  fatal_ = true;
  nghttp2_session_terminate_session(session_, error_code);
  wake();
}

void H2Session::take_output(std::string& out) {
  if (transport_closed_) return;
  while (out.size() < kOutputBatch) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      fatal_ = true;
      break;
    }
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
}

bool H2Session::finished() const {
  if (handlers_ > 0) return false;
  if (transport_closed_) return true;
  if (nghttp2_session_want_write(session_) != 0) return false;
  return fatal_ || nghttp2_session_want_read(session_) == 0 || (draining_ && busy_ == 0);
}

void H2Session::writer_done() { writer_done_ = true; }

bool H2Session::wants_read() const {
  return !transport_closed_ && !writer_done_ && !fatal_ &&
         nghttp2_session_want_read(session_) != 0;
}

void H2Session::transport_closed() {
  transport_closed_ = true;
  for (auto& s : streams_) {
    s->drained.cancel();
  }
  wake();
}

asio::awaitable<void> H2Session::output_wanted() {
  while (!wake_pending_) {
    wake_.expires_at(asio::steady_timer::time_point::max());
    co_await wake_.async_wait(kNoThrow);
  }
  wake_pending_ = false;
}

void H2Session::wake() {
  wake_pending_ = true;
  wake_.cancel();
}

void H2Session::writing(bool on) {
  write_deadline_ = on ? Clock::now() + limits_->write_timeout : Clock::time_point::max();
  if (on) expire_at(Clock::now());
}

void H2Session::check_streams(Clock::time_point now) {
  for (auto& owned : streams_) {
    H2Stream& s = *owned;
    if (!s.open && !s.running) continue;
    if (s.open && !s.answered && s.phase != H2Stream::Phase::kHandler && now >= s.deadline) {
      refuse(s,
             Refusal{core::ErrorKind::kTimeout,
                     s.phase == H2Stream::Phase::kHeaders ? "timed out reading the request header"
                                                          : "timed out reading the request body",
                     names::kRejectTimeout,
                     {}});
    } else if (s.running && now >= s.deadline && !s.expired) {
      s.expired = true;
      s.cancel_upstream();
    }
    if (s.open && now >= s.stall_deadline) {
      // The client's window has held the response back for write_timeout.
      abuse(names::kHttp2StalledStream);
      s.stall_deadline = Clock::time_point::max();
      reset(s, NGHTTP2_CANCEL);
    }
  }
}

bool H2Session::start_linger() {
  if (transport_closed_) return false;
  static constexpr auto kLingerTime = std::chrono::seconds(1);
  linger_deadline_ = Clock::now() + kLingerTime;
  expire_at(linger_deadline_);
  return true;
}

void H2Session::on_deadline() {
  const Clock::time_point now = Clock::now();
  if (now >= linger_deadline_) {
    transport_.cancel();
    return;
  }
  if (now >= write_deadline_) {
    transport_.cancel();  // the client stopped reading our frames
    return;
  }
  check_streams(now);
  if (busy_ == 0 && now >= idle_deadline_ && !draining_) {
    draining_ = true;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    wake();
  }
  const bool watching = busy_ > 0 || write_deadline_ != Clock::time_point::max();
  expire_at(std::min(watching ? now : idle_deadline_, linger_deadline_));
  if (draining_ && finished()) transport_.cancel();
}

void H2Session::on_drain() {
  if (draining_) return;
  draining_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  expire_at(Clock::now());
  wake();
}

void H2Session::on_close() {
  transport_closed();
  for (auto& s : streams_) {
    s->expired = true;
    s->closed = true;
    s->cancel_upstream();
  }
  transport_.close();
}

}  // namespace paygate::http
