#include "proxy/forwarder.h"

#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <utility>

#include "core/fast_random.h"
#include "http/head_scan.h"
#include "http/parser.h"
#include "http/wire.h"

namespace paygate::proxy {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::beast::error_code;
using http::Field;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr http::HeadScanLimits kResponseHeadLimits{8 * 1024, 64 * 1024, 256};

std::string_view readable(const boost::beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

bool idempotent(http::Verb v) {
  using http::Verb;
  return v == Verb::get || v == Verb::head || v == Verb::options || v == Verb::put ||
         v == Verb::delete_ || v == Verb::trace;
}

// A request that may be sent twice: an idempotent method, or any on a route marked idempotent.
bool may_repeat(const http::Exchange& ex, const ForwardTarget& target) {
  return target.idempotent || idempotent(ex.request().method);
}

bool method_carries_body(http::Verb v) {
  return v == http::Verb::post || v == http::Verb::put || v == http::Verb::patch;
}

bool response_has_no_body(http::Verb method, int status) {
  return method == http::Verb::head || status == 204 || status == 304 || status < 200;
}

// How the gateway names itself in Via: the protocol version it received, then its name.
std::string_view via_token(unsigned version) {
  return version == 10 ? "1.0 paygate" : "1.1 paygate";
}

// The client's fields the gateway writes itself: always Host, X-Forwarded-For, X-Request-Id, Via
// and X-Pay-Mchid; with telemetry on, the trace's; for a request that came in TLS early data,
// Early-Data, which is the gateway's to say (RFC 8470 section 5.1); on a split route, the
// version it chose. And `dropped`, when not empty: a field never forwarded (a fault trigger).
class OwnFields {
 public:
  OwnFields(bool traced, bool early, bool versioned, const TrySigner* signer,
            std::string_view dropped) {
    for (std::string_view name : {"Host", "X-Forwarded-For", "X-Request-Id", "Via"}) add(name);
    add(kMchidHeader);
    // The app's own credentials (a bearer token) stay here; the signer writes the upstream's.
    if (signer != nullptr) add("Authorization");
    if (signer != nullptr && signer->writes_serial()) add("Wechatpay-Serial");
    // The app's instructions to its merchant gateway stay there too.
    if (signer != nullptr) add(kBillHashHeader);
    if (traced) {
      add("traceparent");
      add("X-Trace-ID");
    }
    if (early) add(kEarlyDataField);
    if (versioned) add(kVersionHeader);
    if (!dropped.empty()) add(dropped);
  }
  std::span<const std::string_view> names() const { return {names_.data(), size_}; }

 private:
  void add(std::string_view name) { names_[size_++] = name; }

  std::array<std::string_view, 14> names_{};
  std::size_t size_ = 0;
};

// The normalised path (with the route's prefix rewritten) and the query as received, always in
// origin-form.
void append_request_line(std::string& out, const http::RequestHead& req,
                         const ForwardTarget& target) {
  std::string_view path = req.path;
  out.append(req.method_text).push_back(' ');
  if (!target.rewrite_prefix.empty() && path.starts_with(target.matched_prefix)) {
    out.append(target.rewrite_prefix);
    path.remove_prefix(target.matched_prefix.size());
  }
  out.append(path).append(req.target.substr(req.raw_path.size())).append(" HTTP/1.1\r\n");
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk: return "ok";
    case Outcome::kConnectFailed: return "connect_failed";
    case Outcome::kConnectTimeout: return "connect_timeout";
    case Outcome::kPoolExhausted: return "pool_exhausted";
    case Outcome::kUpstreamTimeout: return "upstream_timeout";
    case Outcome::kBadResponse: return "bad_response";
    case Outcome::kSigningFailed:
      return "signing_failed";
    case Outcome::kClientGone: return "client_gone";
  }
  return "?";
}

std::string_view to_string(RetryReason reason) {
  switch (reason) {
    case RetryReason::kConnectFailure:
      return "connect_failure";
    case RetryReason::kReset:
      return "reset";
    case RetryReason::k5xx:
      return "5xx";
    case RetryReason::kTimeout:
      return "timeout";
  }
  return "?";
}

std::string_view to_string(RetryDecision decision) {
  switch (decision) {
    case RetryDecision::kRetry:
      return "retry";
    case RetryDecision::kNotIdempotent:
      return "not_idempotent";
    case RetryDecision::kBytesReceived:
      return "bytes_received";
    case RetryDecision::kNoTriesLeft:
      return "max_retries";
    case RetryDecision::kNoTime:
      return "deadline";
    case RetryDecision::kNoBudget:
      return "budget";
  }
  return "?";
}

std::optional<FailureReply> failure_reply(Outcome outcome) {
  using core::ErrorKind;
  switch (outcome) {
    case Outcome::kConnectFailed:
      return FailureReply{ErrorKind::kBadGateway, "upstream connection failed"};
    case Outcome::kConnectTimeout:
      return FailureReply{ErrorKind::kGatewayTimeout, "upstream connect timed out"};
    case Outcome::kPoolExhausted:
      return FailureReply{ErrorKind::kUnavailable, "upstream connection limit reached"};
    case Outcome::kUpstreamTimeout:
      return FailureReply{ErrorKind::kGatewayTimeout, "upstream timed out"};
    case Outcome::kBadResponse:
      return FailureReply{ErrorKind::kBadGateway, "upstream response failed"};
    case Outcome::kSigningFailed:
      return FailureReply{ErrorKind::kInternal, "the request could not be signed"};
    case Outcome::kOk:
    case Outcome::kClientGone:
      break;
  }
  return std::nullopt;
}

// The state of one try against one endpoint.
struct Forwarder::Try {
  Try(const ForwardTarget& target, Clock::time_point total_deadline)
      : target(target), total_deadline(total_deadline) {}
  const ForwardTarget& target;
  Clock::time_point total_deadline;
  TrySigner* signer = nullptr;  // signs each try: the head then ends at head_base
  BodyCheck* check = nullptr;   // judges a relayed body
  std::size_t head_base = 0;
  EndpointState* endpoint = nullptr;
  std::unique_ptr<http::ClientConnection> connection;  // HTTP/1.1
  http::H2ClientSession* h2_session = nullptr;         // HTTP/2: the connection the try uses
  std::unique_ptr<http::H2ClientStream> h2;            // and its request's stream
  Clock::time_point try_deadline{};
  bool h2_timed_out = false;
  bool refused = false;  // the upstream refused the stream unprocessed (GOAWAY, REFUSED_STREAM)
  bool reused = false;
  bool head_sent = false;       // bytes of the response already went to the client
  bool bytes_received = false;  // the upstream answered something
  unsigned retries = 0;         // made so far by the policy
  unsigned refused_left = 2;    // sends again of streams the upstream refused unprocessed
  Clock::duration pause{};      // the backoff before the next retry
  // The endpoints of the tries retried so far, which the next try avoids while another is in.
  std::array<const EndpointState*, RetryPolicy::kMostRetries> failed_on{};
  std::optional<http::ResponseParser> parser;
  bool chunked_down = false;
  bool close_delimited_down = false;

  void expire(http::Exchange& ex, Clock::duration limit) {
    const Clock::duration left = std::min<Clock::duration>(limit, total_deadline - Clock::now());
    try_deadline = Clock::now() + left;
    ex.expire_after(left);
  }
  // The response bytes not parsed yet, whichever protocol brings them.
  boost::beast::flat_buffer& in() { return h2 ? h2->in() : connection->in; }
  bool expired(const http::Exchange& ex) const { return ex.expired() || h2_timed_out; }
};

void Forwarder::build_request(http::Exchange& ex, const ForwardTarget& target,
                              std::string_view verified_mchid, const TrySigner* signer) {
  const http::RequestHead& req = ex.request();
  std::string& out = ex.scratch().request_head;
  out.clear();
  append_request_line(out, req, target);
  // Host is written from req.host: an absolute-form target's authority replaces the Host field
  // (RFC 9112 section 3.2.2).
  // listener.telemetry off: the caller's trace passes untouched.
  const OwnFields own(!ex.trace().empty(), ex.early(), !target.version.empty(), signer,
                      target.dropped_request_field);
  http::append_end_to_end_fields(out, req.fields, own.names(), {});
  if (!req.host.empty()) http::append_field(out, "Host", req.host);
  // An early request may be a replay: the upstream is told so (RFC 8470 section 5.1). A client's
  // own Early-Data on a request that was not early passes as sent: it says an earlier hop took
  // the request in early data.
  if (ex.early()) http::append_field(out, kEarlyDataField, "1");
  if (!verified_mchid.empty()) http::append_field(out, kMchidHeader, verified_mchid);
  if (!target.version.empty()) http::append_field(out, kVersionHeader, target.version);
  http::append_list_field(out, "X-Forwarded-For", req.fields.find("X-Forwarded-For"),
                          ex.client_address());
  http::append_field(out, "X-Request-Id", ex.request_id());
  if (!ex.trace().empty()) {
    http::append_field(out, "traceparent", ex.trace().traceparent());
    http::append_field(out, "X-Trace-ID", ex.trace().trace_id());
  }
  http::append_list_field(out, "Via", req.fields.find(Field::via), via_token(req.version));
  if (!ex.body().empty() || method_carries_body(req.method)) {
    http::append_content_length(out, ex.body().size());
  }
  if (signer == nullptr) http::end_head(out);
}

// The head as built, with this try's signature fields and the final CRLF.
bool Forwarder::sign_try(Try& t, http::Exchange& ex) {
  std::string& head = ex.scratch().request_head;
  head.resize(t.head_base);
  const std::size_t target_at = head.find(' ') + 1;
  const std::size_t target_end = head.find(' ', target_at);
  thread_local std::string target;  // head grows below, so the target is copied out first
  target.assign(head, target_at, target_end - target_at);
  if (!t.signer->sign(ex.request().method_text, target, ex.body(), head)) return false;
  http::end_head(head);
  return true;
}

asio::awaitable<Outcome> Forwarder::connect(Try& t, http::Exchange& ex) {
  const ClusterSettings& cluster = *t.target.cluster;
  if (cluster.protocol == UpstreamProtocol::kH2) co_return co_await connect_h2(t, ex);
  const Clock::time_point now = Clock::now();
  // A stale pooled connection costs an idempotent request nothing (it is retried on a fresh
  // one), so only other requests pay for the liveness peek.
  using Probe = http::ConnectionPool::Probe;
  t.connection =
      t.endpoint->pool.take(now, may_repeat(ex, t.target) ? Probe::kTrust : Probe::kPeek);
  if (t.connection) {
    t.reused = true;
    co_return Outcome::kOk;
  }
  t.reused = false;
  if (t.endpoint->pool.open() >= cluster.max_connections_per_endpoint) {
    co_return Outcome::kPoolExhausted;
  }
  Outcome outcome = Outcome::kOk;
  t.connection = co_await open_connection(t, ex, outcome);
  if (t.connection) t.endpoint->pool.opened();
  co_return outcome;
}

namespace {
// One request's wait on a timer (EndpointState::h2_connected, a retry's backoff), ended by its
// own deadline or the worker stopping. h2_connected is shared, so cancelling it wakes the other
// waiters too: they find nothing new and wait again.
struct TimerWait final : http::UpstreamWait {
  explicit TimerWait(asio::steady_timer& timer) : timer(timer) {}
  void cancel_wait() override {
    cancelled = true;
    timer.cancel();
  }
  asio::steady_timer& timer;
  bool cancelled = false;
};
}  // namespace

// An HTTP/2 cluster: a connection to the endpoint that takes one more stream, or a new one.
asio::awaitable<Outcome> Forwarder::connect_h2(Try& t, http::Exchange& ex) {
  const ClusterSettings& cluster = *t.target.cluster;
  EndpointState& endpoint = *t.endpoint;
  auto& sessions = endpoint.h2_sessions;
  if (!endpoint.h2_connected) {
    endpoint.h2_connected =
        std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  }
  bool waiting = false;
  for (;;) {
    std::erase_if(sessions, [](const auto& s) { return !s->alive(); });
    for (const auto& session : sessions) {
      if (!session->accepts_streams()) continue;
      t.h2_session = session.get();
      t.reused = true;
      co_return Outcome::kOk;
    }
    // Another request is opening a connection: share it rather than open one each. Only the
    // opener sets the shared timer (it cancels it when it is done; past its expiry, stop
    // waiting for it); a waiter's own limit is its exchange deadline, which cancels its wait
    // (and so does the worker stopping: the wait has no socket the connection could cancel).
    if (!endpoint.h2_connecting || endpoint.h2_connected->expiry() <= Clock::now()) break;
    if (!waiting) {
      t.expire(ex, cluster.connect_timeout);
      waiting = true;
    }
    TimerWait wait(*endpoint.h2_connected);
    ex.watch_upstream_wait(&wait);
    if (!wait.cancelled) co_await endpoint.h2_connected->async_wait(kNoThrow);
    ex.watch_upstream_wait(nullptr);
    if (wait.cancelled || ex.expired()) co_return Outcome::kConnectTimeout;
  }
  t.reused = false;
  // Connections that are going away (GOAWAY) take no new streams: they do not count.
  const auto open = std::count_if(sessions.begin(), sessions.end(),
                                  [](const auto& s) { return !s->going_away(); });
  if (static_cast<std::size_t>(open) >= cluster.max_connections_per_endpoint) {
    co_return Outcome::kPoolExhausted;
  }
  endpoint.h2_connecting = true;
  endpoint.h2_connected->expires_after(2 * cluster.connect_timeout);  // TCP, then TLS
  Outcome outcome = Outcome::kOk;
  auto connection = co_await open_connection(t, ex, outcome);
  endpoint.h2_connecting = false;
  endpoint.h2_connected->cancel();
  if (!connection) co_return outcome;
  http::H2Keepalive keepalive{
      cluster.h2_ping_interval, cluster.h2_ping_timeout,
      [observer = &observer_, name = cluster.name] { observer->on_h2_ping_timeout(name); }};
  sessions.push_back(http::H2ClientSession::start(std::move(connection), std::move(keepalive)));
  t.h2_session = sessions.back().get();
  co_return Outcome::kOk;
}

// A new connection to the try's endpoint: TCP, then the TLS handshake for a `tls` cluster.
asio::awaitable<std::unique_ptr<http::ClientConnection>> Forwarder::open_connection(
    Try& t, http::Exchange& ex, Outcome& outcome) {
  const ClusterSettings& cluster = *t.target.cluster;
  auto conn = std::make_unique<http::ClientConnection>(co_await asio::this_coro::executor);
  ex.watch_upstream(&conn->socket);
  t.expire(ex, cluster.connect_timeout);
  if (ex.expired()) {  // the worker stopped (a retry after on_close()): nothing may wait now
    ex.watch_upstream(nullptr);
    outcome = Outcome::kConnectTimeout;
    co_return nullptr;
  }
  auto [ec] = co_await conn->socket.async_connect(t.endpoint->address, kNoThrow);
  ex.watch_upstream(nullptr);
  if (ec) {
    const bool timed_out = ex.expired();
    note_connect_failure(t);
    outcome = timed_out ? Outcome::kConnectTimeout : Outcome::kConnectFailed;
    co_return nullptr;
  }
  error_code ignored;
  conn->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  if (cluster.tls_context) {
    outcome = co_await handshake(t, ex, *conn);
    if (outcome != Outcome::kOk) co_return nullptr;
  }
  t.endpoint->record_success();
  outcome = Outcome::kOk;
  co_return conn;
}

// A failed handshake is a failed connect: counted, ejecting, retried by the same rules.
asio::awaitable<Outcome> Forwarder::handshake(Try& t, http::Exchange& ex,
                                              http::ClientConnection& conn) {
  const ClusterSettings& cluster = *t.target.cluster;
  SSL* ssl = cluster.tls_context->new_session(t.endpoint->tls_name, t.endpoint->tls_session.get());
  boost::system::error_code ec = asio::error::no_memory;
  static constexpr unsigned char kAlpnH2[] = {2, 'h', '2'};
  const bool h2 = cluster.protocol == UpstreamProtocol::kH2;
  if (ssl != nullptr && h2) SSL_set_alpn_protos(ssl, kAlpnH2, sizeof kAlpnH2);
  if (ssl != nullptr) {
    conn.tls = std::make_unique<http::UpstreamTls>(conn.socket, ssl);
    ex.watch_upstream(&conn.socket);
    t.expire(ex, cluster.connect_timeout);
    std::tie(ec) = co_await conn.tls->async_handshake(asio::ssl::stream_base::client, kNoThrow);
    ex.watch_upstream(nullptr);
    // An upstream configured for HTTP/2 that does not choose it by ALPN cannot be spoken to.
    if (!ec && h2 && tls::selected_alpn(ssl) != "h2") ec = asio::error::no_protocol_option;
  }
  if (!ec) co_return Outcome::kOk;
  ERR_clear_error();  // the worker thread's queue stays clean for the crypto that follows
  const bool timed_out = ex.expired();
  note_connect_failure(t);
  t.endpoint->tls_session.reset();  // a session the upstream refused is not offered again
  co_return timed_out ? Outcome::kConnectTimeout : Outcome::kConnectFailed;
}

asio::awaitable<bool> Forwarder::read_upstream(Try& t) {
  if (t.h2) {
    if (co_await t.h2->read_more(t.try_deadline)) {
      t.bytes_received = true;
      co_return true;
    }
    using State = http::H2ClientStream::State;
    t.h2_timed_out = t.h2->state() == State::kOpen;
    t.refused = t.h2->state() == State::kRefused;
    co_return false;
  }
  http::ClientConnection& conn = *t.connection;
  auto& in = conn.in;
  error_code ec;
  std::size_t n = 0;
  if (conn.tls) {
    std::tie(ec, n) = co_await conn.tls->async_read_some(in.prepare(kReadChunk), kNoThrow);
  } else {
    std::tie(ec, n) = co_await conn.socket.async_read_some(in.prepare(kReadChunk), kNoThrow);
  }
  if (ec) co_return false;
  in.commit(n);
  t.bytes_received = true;
  co_return true;
}

asio::awaitable<Outcome> Forwarder::send(Try& t, http::Exchange& ex) {
  const ClusterSettings& cluster = *t.target.cluster;
  if (t.signer && !sign_try(t, ex)) co_return Outcome::kSigningFailed;
  const std::string& head = ex.scratch().request_head;
  if (t.h2_session) {
    // The exchange's deadline cannot cancel a connection other requests share: the stream
    // waits until the try's deadline itself.
    t.expire(ex, cluster.try_timeout);
    t.h2 = t.h2_session->open(head, ex.body(), cluster.tls_context ? "https" : "http");
    t.refused = !t.h2;  // the connection went away meanwhile: nothing was sent
    // No socket of its own to cancel: the connection ends the stream's waits through this
    // (its deadline, and the worker stopping, which must not wait for the upstream).
    if (t.h2) ex.watch_upstream_wait(t.h2.get());
    co_return t.h2 ? Outcome::kOk : Outcome::kBadResponse;
  }
  http::ClientConnection& conn = *t.connection;
  ex.watch_upstream(&conn.socket);
  t.expire(ex, cluster.try_timeout);
  if (ex.expired()) co_return Outcome::kUpstreamTimeout;  // the worker stopped meanwhile
  const std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(ex.body())};
  error_code wec;
  std::size_t written = 0;
  if (conn.tls) {
    std::tie(wec, written) = co_await asio::async_write(*conn.tls, request, kNoThrow);
  } else {
    std::tie(wec, written) = co_await asio::async_write(conn.socket, request, kNoThrow);
  }
  (void)written;
  if (wec) co_return ex.expired() ? Outcome::kUpstreamTimeout : Outcome::kBadResponse;
  co_return Outcome::kOk;
}

asio::awaitable<Outcome> Forwarder::send_and_read_head(Try& t, http::Exchange& ex) {
  const ClusterSettings& cluster = *t.target.cluster;
  if (Outcome o = co_await send(t, ex); o != Outcome::kOk) co_return o;
  http::ResponseHead& rh = ex.scratch().response_head;
  auto& in = t.in();
  for (;;) {
    http::HeadScan scan =
        http::scan_head(readable(in), kResponseHeadLimits, http::StartLine::kStatus);
    if (scan.verdict == http::HeadVerdict::kComplete) {
      t.parser.emplace(rh, ex.scratch().body, cluster.max_response_bytes,
                       ex.request().method == http::Verb::head);
      error_code ec;
      in.consume(t.parser->feed(readable(in).substr(0, scan.size), ec));
      if (ec) co_return Outcome::kBadResponse;
      if (rh.status >= 100 && rh.status < 200 && rh.status != 101) continue;  // interim: skip
      if (rh.status == 101) co_return Outcome::kBadResponse;  // no upgrades through the gateway
      co_return Outcome::kOk;
    }
    if (scan.verdict != http::HeadVerdict::kIncomplete) co_return Outcome::kBadResponse;
    if (!co_await read_upstream(t)) {
      co_return t.expired(ex) ? Outcome::kUpstreamTimeout : Outcome::kBadResponse;
    }
  }
}

void Forwarder::append_response_head(Try& t, http::Exchange& ex, const std::string* whole_body) {
  const http::ResponseHead& rh = ex.scratch().response_head;
  const http::RequestHead& req = ex.request();
  std::string& out = ex.out();
  out.clear();
  http::append_status_line(out, rh.status);
  http::append_end_to_end_fields(out, rh.fields, {"Via"}, t.target.replaced_reply_prefix);
  if (response_has_no_body(req.method, rh.status)) {
    if (auto cl = rh.fields.find(Field::content_length); !cl.empty()) {
      http::append_field(out, "Content-Length", cl);
    }
  } else if (whole_body) {
    http::append_content_length(out, whole_body->size());
  } else if (auto length = t.parser->content_length()) {
    http::append_content_length(out, *length);
  } else if (req.version == 11) {
    t.chunked_down = true;
    out.append("Transfer-Encoding: chunked\r\n");
  } else {
    t.close_delimited_down = true;
    ex.close_after();
  }
  http::append_list_field(out, "Via", rh.fields.find(Field::via), via_token(rh.version));
  if (rh.fields.find("X-Request-Id").empty()) http::append_field(out, "X-Request-Id", ex.request_id());
  if (!ex.trace().empty() && rh.fields.find("X-Trace-ID").empty()) {
    http::append_field(out, "X-Trace-ID", ex.trace().trace_id());
  }
  if (!ex.keep_alive()) out.append("Connection: close\r\n");
  ex.set_status(rh.status);
}

bool Forwarder::feed_buffered(Try& t) {
  auto& in = t.in();
  if (in.size() == 0 || t.parser->is_done()) return true;
  error_code ec;
  in.consume(http::feed_available(*t.parser, readable(in), ec));
  return !ec;
}

asio::awaitable<Outcome> Forwarder::read_more_or_finish(Try& t, http::Exchange& ex) {
  if (co_await read_upstream(t)) co_return Outcome::kOk;
  if (t.parser->need_eof() && !t.expired(ex)) {  // a close-delimited body ends here
    error_code ec;
    t.parser->put_eof(ec);
    if (!ec) co_return Outcome::kOk;
  }
  co_return t.expired(ex) ? Outcome::kUpstreamTimeout : Outcome::kBadResponse;
}

// The whole body before the head, so that fields computed from it can join the head.
asio::awaitable<Outcome> Forwarder::read_whole_body(Try& t, http::Exchange& ex) {
  for (;;) {
    if (!feed_buffered(t)) co_return Outcome::kBadResponse;
    if (t.parser->is_done()) break;
    if (Outcome o = co_await read_more_or_finish(t, ex); o != Outcome::kOk) co_return o;
  }
  append_response_head(t, ex, &ex.scratch().body);
  co_return Outcome::kOk;
}

asio::awaitable<Outcome> Forwarder::send_fetched(http::Exchange& ex) {
  std::string& out = ex.out();
  std::string& body = ex.scratch().body;
  http::end_head(out);
  out.append(body);
  body.clear();
  if (co_await ex.flush()) co_return Outcome::kOk;
  ex.close_after();
  co_return Outcome::kClientGone;
}

asio::awaitable<Outcome> Forwarder::stream_body(Try& t, http::Exchange& ex) {
  if (t.check != nullptr && t.check->applies_to(ex.scratch().response_head.status)) {
    co_return co_await stream_checked_body(t, ex);
  }
  std::string& body = ex.scratch().body;
  std::string& out = ex.out();
  append_response_head(t, ex, nullptr);
  http::end_head(out);
  for (;;) {
    if (!feed_buffered(t)) co_return Outcome::kBadResponse;
    if (t.chunked_down) http::append_chunk(out, body);
    else out.append(body);
    body.clear();
    if (t.parser->is_done()) break;
    // Everything buffered is parsed: send what we have, then wait for the upstream.
    if (!out.empty()) {
      t.head_sent = true;
      if (!co_await ex.flush()) co_return Outcome::kClientGone;
    }
    if (Outcome o = co_await read_more_or_finish(t, ex); o != Outcome::kOk) co_return o;
  }
  if (t.chunked_down) http::append_last_chunk(out);
  t.head_sent = true;
  if (!co_await ex.flush()) co_return Outcome::kClientGone;
  co_return Outcome::kOk;
}

// As stream_body(), but each piece is judged before it goes out and the latest one is held
// back: it is sent only with the next, or once the whole body has been judged right. A wrong
// body ends without it (kBadResponse: forward() closes the connection).
asio::awaitable<Outcome> Forwarder::stream_checked_body(Try& t, http::Exchange& ex) {
  std::string& body = ex.scratch().body;
  std::string& out = ex.out();
  std::string held;  // this request's own, across the waits below (requests interleave)
  const auto send_held = [&] {
    if (t.chunked_down)
      http::append_chunk(out, held);
    else
      out.append(held);
    held.clear();
  };
  append_response_head(t, ex, nullptr);
  http::end_head(out);
  Outcome outcome = Outcome::kOk;
  for (;;) {
    if (!feed_buffered(t) || !t.check->update(body)) {
      outcome = Outcome::kBadResponse;
      break;
    }
    if (!body.empty()) {
      send_held();
      held.swap(body);
    }
    body.clear();
    if (t.parser->is_done()) break;
    if (!out.empty()) {
      t.head_sent = true;
      if (!co_await ex.flush()) {
        outcome = Outcome::kClientGone;
        break;
      }
    }
    if (outcome = co_await read_more_or_finish(t, ex); outcome != Outcome::kOk) break;
  }
  if (outcome == Outcome::kOk && !t.check->finish()) outcome = Outcome::kBadResponse;
  if (outcome == Outcome::kOk) {
    send_held();
    if (t.chunked_down) http::append_last_chunk(out);
  }
  t.head_sent = true;
  if (outcome == Outcome::kClientGone) co_return outcome;
  if (!co_await ex.flush()) co_return Outcome::kClientGone;
  co_return outcome;
}

// The session of the try's connection, for the endpoint's next connection to resume. TLS 1.3
// sends its ticket after the handshake: it has been read with the answer.
void Forwarder::keep_tls_session(Try& t) {
  SSL* ssl = t.h2_session != nullptr             ? t.h2_session->tls()
             : t.connection && t.connection->tls ? t.connection->tls->native_handle()
                                                 : nullptr;
  if (ssl == nullptr) return;
  if (auto session = tls::resumable_session(ssl)) t.endpoint->tls_session = std::move(session);
}

void Forwarder::release(Try& t, bool reusable) {
  t.h2.reset();  // an unfinished stream is reset; the connection goes on with the others
  if (t.h2_session != nullptr && !t.endpoint->tls_session) keep_tls_session(t);
  t.h2_session = nullptr;
  t.h2_timed_out = false;
  if (!t.connection) return;
  if (reusable) {
    if (t.connection->tls && t.connection->requests == 0) keep_tls_session(t);
    ++t.connection->requests;
    t.endpoint->pool.put(std::move(t.connection), Clock::now());
  } else {
    t.endpoint->pool.closed();
    t.connection.reset();
  }
}

// Plain functions handing out forward()'s awaitable: no extra coroutine frame per request.
asio::awaitable<Outcome> Forwarder::relay(http::Exchange& ex, const ForwardTarget& target,
                                          std::string_view verified_mchid, TrySigner* signer,
                                          BodyCheck* check) {
  return forward(ex, target, verified_mchid, signer, check, Mode::kRelay);
}

asio::awaitable<Outcome> Forwarder::fetch(http::Exchange& ex, const ForwardTarget& target,
                                          std::string_view verified_mchid, TrySigner* signer) {
  return forward(ex, target, verified_mchid, signer, nullptr, Mode::kFetch);
}

asio::awaitable<Outcome> Forwarder::forward(http::Exchange& ex, const ForwardTarget& target,
                                            std::string_view verified_mchid, TrySigner* signer,
                                            BodyCheck* check, Mode mode) {
  build_request(ex, target, verified_mchid, signer);
  Try t(target, Clock::now() + target.total_timeout);
  t.signer = signer;
  t.check = check;
  t.head_base = ex.scratch().request_head.size();
  target.state->retry_budget().count_request(Clock::now());
  Outcome outcome = Outcome::kConnectFailed;
  while (Clock::now() < t.total_deadline) {
    t.endpoint = target.state->pick(target.cluster->lb, Clock::now(),
                                    std::span(t.failed_on.data(), t.retries));
    if (!t.endpoint) break;
    ++ex.upstream_tries;
    const TryEnd end = co_await run_try(t, ex, mode);
    outcome = end.outcome;
    if (end.next == Next::kDone) break;
    if (end.next == Next::kRetry) {
      t.failed_on[t.retries++] = t.endpoint;  // judge_retry: retries < max_retries
      if (!co_await back_off(t, ex)) break;
    }
  }
  if (outcome == Outcome::kClientGone || (outcome != Outcome::kOk && t.head_sent)) {
    ex.close_after();
  }
  co_return outcome;
}

// One try on t.endpoint: connect, send, read the head; then relay or fetch the answer, unless it
// is a 5xx the policy retries, which is discarded before anything of it reaches the client.
asio::awaitable<Forwarder::TryEnd> Forwarder::run_try(Try& t, http::Exchange& ex, Mode mode) {
  t.bytes_received = false;
  t.refused = false;
  TryEnd end{co_await connect(t, ex), Next::kDone};
  // The endpoint's connection limit: nothing was tried, and another try would meet the same
  // limit, so there is no retry decision to report.
  if (end.outcome == Outcome::kPoolExhausted) co_return end;
  if (end.outcome != Outcome::kOk) {
    end.next = decide(t, ex, RetryReason::kConnectFailure) ? Next::kRetry : Next::kDone;
    co_return end;
  }
  ex.upstream = t.endpoint->key;
  ++t.endpoint->outstanding;
  end.outcome = co_await send_and_read_head(t, ex);
  bool discarded = false;
  if (end.outcome == Outcome::kOk) {
    const int status = ex.scratch().response_head.status;
    note_result(t, result_of_status(status));
    discarded = status >= 500 && decide(t, ex, RetryReason::k5xx);
    if (!discarded) {
      end.outcome =
          mode == Mode::kRelay ? co_await stream_body(t, ex) : co_await read_whole_body(t, ex);
    }
  } else {
    end.next = after_failure(t, ex, end.outcome);
  }
  --t.endpoint->outstanding;
  ex.watch_upstream(nullptr);
  ex.watch_upstream_wait(nullptr);  // before release() destroys the stream
  const bool reusable = !discarded && end.outcome == Outcome::kOk && t.connection && t.parser &&
                        t.parser->is_done() && ex.scratch().response_head.keep_alive &&
                        t.connection->in.size() == 0;
  release(t, reusable);
  t.parser.reset();
  if (discarded) {
    ex.scratch().body.clear();
    // Stands only if no other try follows (the worker stopping during the backoff).
    end = {Outcome::kUpstreamTimeout, Next::kRetry};
  }
  co_return end;
}

// A try that failed after its request was sent, before a whole response head arrived.
Forwarder::Next Forwarder::after_failure(Try& t, const http::Exchange& ex, Outcome outcome) {
  // Nothing of a try that could not be signed was sent: no upstream failure to judge.
  if (outcome == Outcome::kClientGone || outcome == Outcome::kSigningFailed) return Next::kDone;
  // A pooled connection the upstream had already closed: nothing was processed, try afresh.
  if (t.reused && !t.bytes_received && outcome == Outcome::kBadResponse &&
      may_repeat(ex, t.target)) {
    return Next::kAgain;
  }
  // A stream the upstream refused unprocessed (HTTP/2 GOAWAY): safe to send again, whatever
  // the method, a bounded number of times. REFUSED_STREAM after response bytes is the
  // upstream's bug, not a sign of no processing.
  if (std::exchange(t.refused, false) && !t.head_sent && !t.bytes_received &&
      t.refused_left-- > 0) {
    return Next::kAgain;
  }
  note_result(t, TryResult::kLocalFailure);
  const RetryReason reason =
      outcome == Outcome::kUpstreamTimeout ? RetryReason::kTimeout : RetryReason::kReset;
  return decide(t, ex, reason) ? Next::kRetry : Next::kDone;
}

// Whether a try that failed for `reason` is tried again; the observer hears the decision when
// retry_on names the reason. Spends the budget only on a retry.
bool Forwarder::decide(Try& t, const http::Exchange& ex, RetryReason reason) {
  const ClusterSettings& cluster = *t.target.cluster;
  const RetryPolicy& policy = cluster.retry;
  static constexpr RetryOn kFlag[] = {RetryOn::kConnectFailure, RetryOn::kReset, RetryOn::k5xx,
                                      RetryOn::kTimeout};
  if (!policy.on(kFlag[static_cast<std::size_t>(reason)])) return false;
  t.pause = backoff_delay(policy, t.retries + 1, core::fast_random());
  const RetryDecision decision = judge_retry(t, ex, reason, Clock::now());
  observer_.on_retry(cluster, reason, decision);
  return decision == RetryDecision::kRetry;
}

// The rules in order; the budget is asked last, as asking spends it.
RetryDecision Forwarder::judge_retry(Try& t, const http::Exchange& ex, RetryReason reason,
                                     Clock::time_point now) {
  const RetryPolicy& policy = t.target.cluster->retry;
  if (!may_repeat(ex, t.target)) return RetryDecision::kNotIdempotent;
  // A 5xx's head has arrived and is discarded whole; any other failure after answer bytes
  // arrived may have been processed.
  const bool partial = reason != RetryReason::k5xx && t.bytes_received;
  if (partial || t.head_sent) return RetryDecision::kBytesReceived;
  if (t.retries >= policy.max_retries) return RetryDecision::kNoTriesLeft;
  if (now + t.pause >= t.total_deadline) return RetryDecision::kNoTime;
  if (!t.target.state->retry_budget().try_spend(policy, now)) return RetryDecision::kNoBudget;
  return RetryDecision::kRetry;
}

// The pause before a retry, on a timer that the total deadline or the worker stopping ends.
asio::awaitable<bool> Forwarder::back_off(Try& t, http::Exchange& ex) {
  if (t.pause <= Clock::duration::zero()) co_return true;
  asio::steady_timer timer(co_await asio::this_coro::executor, t.pause);
  t.expire(ex, t.total_deadline - Clock::now());
  if (ex.expired()) co_return false;
  TimerWait wait(timer);
  ex.watch_upstream_wait(&wait);
  if (!wait.cancelled) co_await timer.async_wait(kNoThrow);
  ex.watch_upstream_wait(nullptr);
  co_return !wait.cancelled && !ex.expired();
}

void Forwarder::note_result(Try& t, TryResult result) {
  const ClusterSettings& cluster = *t.target.cluster;
  if (!cluster.outlier_detection) return;
  const auto ejection =
      t.target.state->record(*cluster.outlier_detection, *t.endpoint, result, Clock::now());
  if (ejection) {
    observer_.on_ejection(cluster, t.endpoint->key, ejection->reason, ejection->cool_down);
  }
}

// A connect or TLS handshake that failed: counted, and judged by both kinds of ejection.
void Forwarder::note_connect_failure(Try& t) {
  const ClusterSettings& cluster = *t.target.cluster;
  observer_.on_connect_error(cluster);
  if (t.endpoint->record_connect_failure(cluster, Clock::now())) {
    observer_.on_ejection(cluster, t.endpoint->key, EjectionReason::kConnectFailures,
                          cluster.eject_duration);
  }
  note_result(t, TryResult::kLocalFailure);
}

}  // namespace paygate::proxy
