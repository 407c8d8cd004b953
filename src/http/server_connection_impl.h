#pragma once
// The definitions of BasicServerConnection's members (http/server_connection.h). Include this
// only to instantiate the connection for a stream type: http/server_connection.cpp does it for
// TCP, the unit tests for Beast's in-memory test stream. Everything else includes
// http/server_connection.h.

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "http/error_response.h"
#include "http/h2_connection.h"
#include "http/request_admission.h"
#include "http/server_connection.h"
#include "http/wire.h"
#include "observe/metric_names.h"

namespace paygate::http {

namespace server_connection_detail {
namespace asio = boost::asio;
inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
inline constexpr std::size_t kReadChunk = 16 * 1024;

// Whether the bytes a connection began with are HTTP/2's preface (RFC 9113 section 3.4), or
// could still become it.
enum class H2Preface { kNo, kMaybe, kYes };
inline H2Preface h2_preface(std::string_view bytes) {
  if (bytes.size() >= kH2Preface.size()) {
    return bytes.starts_with(kH2Preface) ? H2Preface::kYes : H2Preface::kNo;
  }
  return !bytes.empty() && kH2Preface.starts_with(bytes) ? H2Preface::kMaybe : H2Preface::kNo;
}

inline std::string_view readable(const boost::beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

// What a chunked body leaves unparsed is one partial chunk-size line or trailer: Beast waits for
// its CRLF. A bare LF there would make it wait until the body timeout, and nothing bounds the
// line: refuse both now (RFC 9112 section 7.1), as scan_head does for the head.
inline std::string_view chunk_framing_violation(std::string_view rest, std::size_t max_line) {
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '\n' && (i == 0 || rest[i - 1] != '\r')) return "bare LF in chunked framing";
  }
  return rest.size() > max_line ? "chunk line or trailer too long" : std::string_view{};
}
}  // namespace server_connection_detail

// For the member definitions below; this header is included only where the connection is
// instantiated, so the names reach no one else.
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::beast::error_code;
using server_connection_detail::chunk_framing_violation;
using server_connection_detail::h2_preface;
using server_connection_detail::H2Preface;
using server_connection_detail::kNoThrow;
using server_connection_detail::kReadChunk;
using server_connection_detail::readable;

template <typename Stream>
BasicServerConnection<Stream>::BasicServerConnection(Stream stream, ConnectionContext& context)
    : stream_(std::move(stream)),
      peer_(StreamOps<Stream>::peer(stream_)),
      peer_address_(peer_.address().to_string()),
      client_names_(client_names_of(stream_)),
      context_(context),
      limits_(context.limits),
      exchange_(*this, {head_, body_, peer_, peer_address_, client_names_, out_, scratch_}) {
  context_.watchdog.add(*this);
  context_.handler.on_connection_change(+1);
}

template <typename Stream>
BasicServerConnection<Stream>::~BasicServerConnection() {
  context_.watchdog.remove(*this);
  context_.handler.on_connection_change(-1);
}

template <typename Stream>
std::string_view BasicServerConnection<Stream>::buffered() const {
  return readable(in_);
}

template <typename Stream>
void BasicServerConnection<Stream>::take_early_data(std::string_view bytes) {
  if (bytes.empty()) return;
  const auto space = in_.prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  in_.commit(bytes.size());
  early_pending_ += bytes.size();
}

template <typename Stream>
void BasicServerConnection<Stream>::consume(std::size_t n) {
  in_.consume(n);
  early_pending_ -= std::min(early_pending_, n);
}

template <typename Stream>
asio::awaitable<typename BasicServerConnection<Stream>::Ending>
BasicServerConnection<Stream>::run() {
  while (!context_.draining || in_.size() > 0) {
    Read r = co_await read_request();
    if (r == Read::kHttp2) co_return Ending::kHttp2;
    if (r == Read::kClosed) break;
    if (r == Read::kRefused) {
      context_.handler.on_refused(exchange_, refusal_);
      // A client that was too slow gets no extra time; one refused early may still be sending.
      const bool timed_out = exchange_.status() == core::http_status(core::ErrorKind::kTimeout);
      if (co_await write(out_) && !timed_out) co_await linger();
      close();
      co_return Ending::kClosed;
    }
    if (!co_await serve()) break;
  }
  if constexpr (requires { stream_.in_early_data(); }) {
    // Answered from early data, the client's Finished still on its way: closing now would
    // reset the connection under the answer when it comes.
    if (stream_.in_early_data() && StreamOps<Stream>::is_open(stream_)) co_await linger();
  }
  close();
  co_return Ending::kClosed;
}

template <typename Stream>
void BasicServerConnection<Stream>::enter(Phase phase) {
  phase_ = phase;
  expired_ = false;
  switch (phase) {
    case Phase::kIdle:
      expire_after(limits_->idle_timeout);
      break;
    case Phase::kHead:
      expire_after(limits_->header_read_timeout);
      break;
    case Phase::kBody:
      expire_after(limits_->body_read_timeout);
      break;
    case Phase::kHandler:
      expire_never();
      break;
    case Phase::kWrite:
      expire_after(limits_->write_timeout);
      break;
  }
}

template <typename Stream>
void BasicServerConnection<Stream>::on_deadline() {
  expired_ = true;
  StreamOps<Stream>::cancel(stream_);
  if (upstream_) {
    error_code ignored;
    upstream_->cancel(ignored);
  }
  if (upstream_wait_) upstream_wait_->cancel_wait();
}

template <typename Stream>
void BasicServerConnection<Stream>::on_drain() {
  if (phase_ == Phase::kIdle && in_.size() == 0) {
    StreamOps<Stream>::cancel(stream_);
  }
}

// Its pending reads and writes fail at once, and so does every later one; a handler waiting for
// its upstream gets a cancelled exchange, answers a closed socket and returns.
template <typename Stream>
void BasicServerConnection<Stream>::on_close() {
  expired_ = true;
  closed_ = true;
  close();
  if (upstream_) {
    error_code ignored;
    upstream_->cancel(ignored);
  }
  if (upstream_wait_) upstream_wait_->cancel_wait();
}

// After refusing a request the client may still be sending (a body we will not read). Closing
// with unread bytes makes the kernel send a reset that can destroy our error response before
// the client reads it, so stop sending, then drain for a moment (bounded in time and bytes).
template <typename Stream>
asio::awaitable<void> BasicServerConnection<Stream>::linger() {
  static constexpr std::size_t kMaxDiscard = 256 * 1024;
  static constexpr auto kLingerTime = std::chrono::seconds(1);
  StreamOps<Stream>::shutdown_send(stream_);
  phase_ = Phase::kWrite;
  expire_after(kLingerTime);
  for (std::size_t discarded = 0; discarded < kMaxDiscard;) {
    auto [ec, n] = co_await stream_.async_read_some(in_.prepare(kReadChunk), kNoThrow);
    if (ec) break;
    discarded += n;
  }
}

template <typename Stream>
void BasicServerConnection<Stream>::close() {
  StreamOps<Stream>::shutdown_send(stream_);
  StreamOps<Stream>::close(stream_);
}

template <typename Stream>
asio::awaitable<bool> BasicServerConnection<Stream>::read_more() {
  auto [ec, n] = co_await stream_.async_read_some(in_.prepare(kReadChunk), kNoThrow);
  if (ec) co_return false;
  in_.commit(n);
  if constexpr (requires { stream_.read_was_early(); }) {
    if (stream_.read_was_early()) early_pending_ += n;
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> BasicServerConnection<Stream>::write(std::string_view bytes) {
  const Phase before = phase_;
  const Clock::time_point saved_deadline = deadline();
  enter(Phase::kWrite);
  auto [ec, n] =
      co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), kNoThrow);
  exchange_.bytes_out_ += n;
  phase_ = before;
  expire_at(saved_deadline);
  co_return !ec;
}

template <typename Stream>
typename BasicServerConnection<Stream>::Read BasicServerConnection<Stream>::refuse(
    const Refusal& refusal) {
  RequestAdmission::write(refusal, head_.method, exchange_, out_);
  refusal_ = refusal.reason;
  return Read::kRefused;
}

template <typename Stream>
typename BasicServerConnection<Stream>::Read BasicServerConnection<Stream>::refuse(
    core::ErrorKind kind, std::string_view message, std::string_view reason) {
  return refuse(Refusal{kind, message, reason, {}});
}

template <typename Stream>
asio::awaitable<typename BasicServerConnection<Stream>::Read>
BasicServerConnection<Stream>::read_request() {
  limits_ = context_.limits;
  exchange_.reset(Clock::now());
  Read r = co_await read_head();
  if (r != Read::kRequest) co_return r;
  co_return co_await read_body();
}

template <typename Stream>
asio::awaitable<typename BasicServerConnection<Stream>::Read>
BasicServerConnection<Stream>::read_head() {
  enter(in_.size() > 0 ? Phase::kHead : Phase::kIdle);
  head_.method = Verb::unknown;  // a refusal before the request line is parsed is not for HEAD
  const HeadScanLimits scan_limits{limits_->max_request_line_bytes, limits_->max_header_bytes,
                                   limits_->max_header_count};
  HeadScan scan;
  for (;;) {
    const H2Preface h2 =
        served_ == 0 && limits_->http2.enabled ? h2_preface(readable(in_)) : H2Preface::kNo;
    if (h2 == H2Preface::kYes) co_return Read::kHttp2;
    scan = h2 == H2Preface::kMaybe ? HeadScan{}
                                   : scan_head(readable(in_), scan_limits, StartLine::kRequest);
    if (scan.verdict == HeadVerdict::kComplete) break;
    if (scan.verdict != HeadVerdict::kIncomplete) {
      co_return refuse(RequestAdmission::scan_failure(scan.verdict));
    }
    const bool had_bytes = in_.size() > 0;
    if (!co_await read_more()) {
      if (expired_ && had_bytes) {
        co_return refuse(core::ErrorKind::kTimeout, "timed out reading the request header",
                         observe::names::kRejectTimeout);
      }
      co_return Read::kClosed;
    }
    if (phase_ == Phase::kIdle) enter(Phase::kHead);  // slowloris clock starts at the first byte
  }
  exchange_.started_ = Clock::now();
  exchange_.early_ = early_pending_ > 0;  // its first byte is in_'s first
  parser_.emplace(head_, body_, limits_->max_body_bytes);
  error_code ec;
  const std::size_t used = parser_->feed(readable(in_).substr(0, scan.size), ec);
  consume(used);
  if (ec) co_return refuse(RequestAdmission::parse_failure(ec, &*parser_, head_, *limits_));
  if (auto refusal = RequestAdmission::admit(head_, *limits_, exchange_))
    co_return refuse(*refusal);
  co_return Read::kRequest;
}

template <typename Stream>
asio::awaitable<bool> BasicServerConnection<Stream>::send_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  auto [ec, n] = co_await asio::async_write(
      stream_, asio::buffer(kContinue.data(), kContinue.size()), kNoThrow);
  (void)n;
  co_return !ec;
}

template <typename Stream>
asio::awaitable<typename BasicServerConnection<Stream>::Read>
BasicServerConnection<Stream>::read_body() {
  enter(Phase::kBody);
  bool continue_sent = false;
  while (!parser_->is_done()) {
    if (in_.size() > 0) {
      error_code ec;
      consume(feed_available(*parser_, readable(in_), ec));
      if (ec) co_return refuse(RequestAdmission::parse_failure(ec, &*parser_, head_, *limits_));
      if (parser_->is_done()) break;
      if (parser_->chunked()) {
        const auto why = chunk_framing_violation(readable(in_), limits_->max_header_bytes);
        if (!why.empty()) {
          co_return refuse(core::ErrorKind::kBadRequest, why, observe::names::kRejectBadRequest);
        }
      }
    }
    if (head_.expect_continue && !continue_sent) {
      continue_sent = true;
      if (!co_await send_continue()) co_return Read::kClosed;
    }
    if (!co_await read_more()) {
      if (expired_) {
        co_return refuse(core::ErrorKind::kTimeout, "timed out reading the request body",
                         observe::names::kRejectTimeout);
      }
      co_return Read::kClosed;
    }
  }
  co_return Read::kRequest;
}

template <typename Stream>
asio::awaitable<bool> BasicServerConnection<Stream>::serve() {
  ++served_;
  const std::size_t max_requests = limits_->max_requests_per_connection;
  keep_alive_ = head_.keep_alive && (max_requests == 0 || served_ < max_requests);
  enter(Phase::kHandler);
  co_await context_.handler.handle(exchange_);
  upstream_ = nullptr;
  upstream_wait_ = nullptr;
  if (!exchange_.responded()) {  // a handler's bug; the connection must not hang on it
    co_await exchange_.respond_error(core::ErrorKind::kInternal, "no response was produced");
  }
  co_return exchange_.keep_alive() && StreamOps<Stream>::is_open(stream_);
}

template <typename Stream>
void BasicServerConnection<Stream>::set_handler_deadline(Clock::duration d) {
  expired_ = closed_;  // once the worker has closed the connection, every later wait is over
  Watchdog::Entry::expire_after(d);
}

}  // namespace paygate::http
