#pragma once
// Forwarder: sends one downstream request to an upstream cluster and brings back the answer.
// Picks an endpoint, takes a pooled keep-alive connection or connects (connect timeout), writes
// the request with hop-by-hop fields removed and X-Forwarded-For / X-Request-Id / Via added,
// and reads the response head (per-try timeout). Then either
//   relay()  streams the body to the client as it arrives, re-framed for the client
//            (Content-Length kept, chunked re-chunked, close-delimited turned into chunked), or
//   fetch()  reads the whole body first (bounded by max_response_bytes) and leaves the response
//            for the caller to complete and send with send_fetched(): response steps that need
//            the body (the platform signature) add their fields in between.
// A failed try is retried on another try as the cluster's retry policy says (retry_on,
// max_retries, a backoff with full jitter, the cluster's retry budget), for idempotent methods
// and routes marked idempotent only, within the total timeout, and never once response bytes
// went to the client: a 5xx is retried only before its head was relayed (its answer is
// discarded), a reset or timeout only before any byte of the answer arrived. A retry prefers an
// endpoint the request has not failed on yet. A stale pooled connection is replaced without
// counting a try. Each try's result feeds the cluster's outlier detection (ClusterState::record).
// A failure before any byte went to the client is returned for the caller to answer
// (failure_reply() says with what); after that the client connection is closed.
// One Forwarder per worker; it keeps no per-request state: buffers are the connection's
// reusable scratch (Exchange::scratch()), because requests of one worker interleave.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/exchange.h"
#include "http/message_head.h"
#include "proxy/upstreams.h"

namespace paygate::proxy {

// Outcome of one forwarded request, named for metrics and logs.
enum class Outcome {
  kOk,
  kConnectFailed,    // 502: every try failed to connect
  kConnectTimeout,   // 504
  kPoolExhausted,    // 503: max_connections_per_endpoint reached
  kUpstreamTimeout,  // 504: no complete response within the try/total timeout
  kBadResponse,      // 502: reset, EOF or a malformed/oversized response
  kSigningFailed,    // 500: the TrySigner could not sign a try (nothing was sent)
  kClientGone,       // the downstream write failed
};
inline constexpr std::size_t kOutcomeCount = static_cast<std::size_t>(Outcome::kClientGone) + 1;
std::string_view to_string(Outcome outcome);

// The gateway's answer to a failed outcome, when the client can still be answered: 502, 503 or
// 504 with a message; none for kOk and kClientGone.
struct FailureReply {
  core::ErrorKind kind = core::ErrorKind::kBadGateway;
  std::string_view message;
};
std::optional<FailureReply> failure_reply(Outcome outcome);

// The header that tells a backend which merchant the gateway authenticated.
inline constexpr std::string_view kMchidHeader = "X-Pay-Mchid";
// Sent as "Early-Data: 1" with a request that came in TLS early data (RFC 8470 section 5.1).
inline constexpr std::string_view kEarlyDataField = "Early-Data";

// Why a try failed in a way retry_on may name: paygate_upstream_retries_total{reason}.
enum class RetryReason { kConnectFailure, kReset, k5xx, kTimeout };
std::string_view to_string(RetryReason reason);

// Whether such a failure was retried, or why not: paygate_upstream_retries_refused_total{why}.
enum class RetryDecision {
  kRetry,
  kNotIdempotent,  // neither the method nor the route is idempotent
  kBytesReceived,  // part of the answer had arrived
  kNoTriesLeft,    // max_retries reached
  kNoTime,         // the backoff would end past the total timeout
  kNoBudget,       // the cluster's retry budget is spent
};
std::string_view to_string(RetryDecision decision);

struct ForwardTarget {
  const ClusterSettings* cluster = nullptr;
  ClusterState* state = nullptr;
  Clock::duration total_timeout{};
  Priority priority = Priority::kNormal;  // the route's, for the cluster's concurrency limit
  std::string_view matched_prefix;  // for prefix rewrites: the route's prefix
  std::string_view rewrite_prefix;  // replaces matched_prefix when not empty
  // Upstream reply fields whose name starts with this (any case, '-' or '_') are dropped, for a
  // route whose response steps write that family themselves (the platform signature's
  // "Wechatpay-"), so the reply carries only theirs. Empty: none dropped.
  std::string_view replaced_reply_prefix;
  // The version a split chose, sent as X-Pay-Gateway-Version (replacing the client's); "" on a
  // route without a split, whose requests pass the client's field as sent.
  std::string_view version;
  bool idempotent = false;  // routes[].idempotent: any method may be retried
  // A request field never forwarded, in any spelling a backend may read as it (the route's
  // fault trigger, routes[].fault.header). Empty: none.
  std::string_view dropped_request_field;
};

// Fields written afresh for each try of a request, after the forwarder's own: the merchant
// role's Authorization, whose nonce and timestamp must be new on every try (the platform
// refuses a nonce it has seen, and a retry may come minutes later). Called on the worker thread
// just before each try is sent.
class TrySigner {
 public:
  virtual ~TrySigner() = default;
  // Appends complete field lines ("Name: value\r\n") for the request as it goes upstream:
  // `method`, `target` (the path and query of its request line) and `body`. False when it
  // cannot sign: the try is not sent (Outcome::kSigningFailed).
  virtual bool sign(std::string_view method, std::string_view target, std::string_view body,
                    std::string& fields) = 0;
  // Whether sign() writes Wechatpay-Serial (the body carries fields encrypted to that platform
  // key): the client's own is then not sent.
  virtual bool writes_serial() const { return false; }
};

// Judges a relayed body as it streams (the merchant role's bill downloads, whose digest must
// match the hash_value the platform gave). Each piece is shown to update() before it goes to the
// client, and the last piece is held back until finish() has judged the whole: a body judged
// wrong is cut short (its connection closes without the last bytes), so the client never holds
// a complete wrong file. Called on the worker thread.
class BodyCheck {
 public:
  virtual ~BodyCheck() = default;
  // Whether a body with this status is judged at all (a file is; an error answer is not).
  virtual bool applies_to(int status) = 0;
  // False when the body is already known to be wrong (it cannot be read as it should be).
  virtual bool update(std::string_view piece) = 0;
  // True when the whole body is right.
  virtual bool finish() = 0;
};

// The field an app sends its merchant gateway with a bill download: "<hash_type> <hash_value>"
// of the bill (steps/check_bill_hash.h). Never forwarded.
inline constexpr std::string_view kBillHashHeader = "X-Pay-Bill-Hash";

// Counters the caller wants to hear about, called on the worker thread.
class ForwardObserver {
 public:
  virtual ~ForwardObserver() = default;
  virtual void on_connect_error(const ClusterSettings& cluster) = 0;
  // An HTTP/2 connection of `cluster` did not answer a PING and was closed (clusters[].h2_ping).
  virtual void on_h2_ping_timeout(const std::string& cluster) = 0;
  // A try failed for `reason`, which the cluster's retry_on names.
  virtual void on_retry(const ClusterSettings& cluster, RetryReason reason,
                        RetryDecision decision) = 0;
  // `endpoint` ("ip:port") was ejected for `cool_down`.
  virtual void on_ejection(const ClusterSettings& cluster, std::string_view endpoint,
                           EjectionReason reason, Clock::duration cool_down) = 0;
};

class Forwarder {
 public:
  explicit Forwarder(ForwardObserver& observer) : observer_(observer) {}

  // `verified_mchid`: the merchant the verify step authenticated, sent as X-Pay-Mchid; a
  // client-supplied X-Pay-Mchid is always removed, in every spelling a backend may read as it
  // (X_Pay_Mchid, any case), as are such spellings of the other fields the gateway sets.
  // Empty when the route does not verify.
  // Nothing is written to the client on a failure before the response head: the caller answers.
  // `signer`, when given, signs every try; the client's own Authorization is then never sent.
  // `check`, when given, judges the body as it streams (a wrong one: kBadResponse, cut short).
  boost::asio::awaitable<Outcome> relay(http::Exchange& exchange, const ForwardTarget& target,
                                        std::string_view verified_mchid = {},
                                        TrySigner* signer = nullptr, BodyCheck* check = nullptr);
  // On kOk the response is fetched whole: its head, open for more fields, is in exchange.out(),
  // its body in exchange.scratch().body and its status in exchange.status(). Writes nothing.
  boost::asio::awaitable<Outcome> fetch(http::Exchange& exchange, const ForwardTarget& target,
                                        std::string_view verified_mchid = {},
                                        TrySigner* signer = nullptr);
  // Ends the head fetch() left open, appends the body and writes them: kOk or kClientGone.
  static boost::asio::awaitable<Outcome> send_fetched(http::Exchange& exchange);

 private:
  struct Try;
  enum class Mode { kRelay, kFetch };
  // How one try ended: done (the outcome stands), sent again at no cost (a stale connection,
  // a refused stream) or retried by the policy.
  enum class Next { kDone, kAgain, kRetry };
  struct TryEnd {
    Outcome outcome = Outcome::kOk;
    Next next = Next::kDone;
  };
  boost::asio::awaitable<Outcome> forward(http::Exchange& exchange, const ForwardTarget& target,
                                          std::string_view verified_mchid, TrySigner* signer,
                                          BodyCheck* check, Mode mode);
  // The request head without its final CRLF: a TrySigner adds its fields after it per try.
  static void build_request(http::Exchange& exchange, const ForwardTarget& target,
                            std::string_view verified_mchid, const TrySigner* signer);
  static bool sign_try(Try& t, http::Exchange& exchange);
  boost::asio::awaitable<TryEnd> run_try(Try& t, http::Exchange& exchange, Mode mode);
  Next after_failure(Try& t, const http::Exchange& exchange, Outcome outcome);
  bool decide(Try& t, const http::Exchange& exchange, RetryReason reason);
  static RetryDecision judge_retry(Try& t, const http::Exchange& exchange, RetryReason reason,
                                   Clock::time_point now);
  boost::asio::awaitable<bool> back_off(Try& t, http::Exchange& exchange);
  void note_result(Try& t, TryResult result);
  void note_connect_failure(Try& t);
  boost::asio::awaitable<Outcome> connect(Try& t, http::Exchange& exchange);
  boost::asio::awaitable<Outcome> connect_h2(Try& t, http::Exchange& exchange);
  void keep_tls_session(Try& t);
  boost::asio::awaitable<std::unique_ptr<http::ClientConnection>> open_connection(
      Try& t, http::Exchange& exchange, Outcome& outcome);
  boost::asio::awaitable<Outcome> send(Try& t, http::Exchange& exchange);
  boost::asio::awaitable<Outcome> handshake(Try& t, http::Exchange& exchange,
                                            http::ClientConnection& connection);
  boost::asio::awaitable<Outcome> send_and_read_head(Try& t, http::Exchange& exchange);
  boost::asio::awaitable<Outcome> stream_body(Try& t, http::Exchange& exchange);
  boost::asio::awaitable<Outcome> stream_checked_body(Try& t, http::Exchange& exchange);
  boost::asio::awaitable<Outcome> read_whole_body(Try& t, http::Exchange& exchange);
  boost::asio::awaitable<bool> read_upstream(Try& t);
  boost::asio::awaitable<Outcome> read_more_or_finish(Try& t, http::Exchange& exchange);
  static bool feed_buffered(Try& t);
  // The downstream head, without its final CRLF. whole_body: the complete body when it was read
  // before the head; nullptr when the body streams after the head.
  static void append_response_head(Try& t, http::Exchange& exchange, const std::string* whole_body);
  void release(Try& t, bool reusable);

  ForwardObserver& observer_;
};

}  // namespace paygate::proxy
