#pragma once
// ShadowTraffic: one worker's copies of mirrored requests (routes[].mirror, steps/mirror.h) and
// what becomes of them. A copy owns everything it sends: the request written again with its
// normalised path, its header fields (framing aside) and its body, in a slot of the worker's
// pool. It goes to the shadow cluster from a coroutine of its own through the worker's Forwarder
// (pools, timeouts, passive health), as an exchange of its own, so the primary never waits for it
// and the shadow's answer never reaches the client. A copy has its cluster's try_timeout in all.
//
// When both answers are in, whichever came last, they are compared (steps/shadow_compare.h) and
// counted in paygate_shadow_requests_total{route,result}:
//   match     the answers agree
//   mismatch  they differ; at most one a second per worker is logged (warn), with both bodies'
//             sensitive members redacted (wechatpay/sensitive_fields.h), each cut to 1 KiB
//   error     nothing to compare: the shadow failed (connect, timeout, a bad or oversized
//             answer), or the primary's answer was the gateway's own (its upstream failed) or
//             never came (the client left)
//   dropped   not sent: the route's max_in_flight copies were in flight, the body was over
//             kMaxBodyBytes, or the worker is stopping
// Slots are made on first need and reused, so once warm a copy allocates only its coroutine
// frame (which Asio recycles) and, for the comparison, JSON beyond a 64 KiB arena.
//
// Deadlines: while copies are being sent, ShadowTraffic is one entry of the worker's watchdog
// (one "connection" more towards the listener's max_connections, whatever the number of copies),
// which checks each copy's deadline every tick and, when the worker stops, ends them all, so
// that they are over before the worker's state is destroyed (http/close_connections.h).
// Confined to the worker's thread.

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/exchange.h"
#include "http/watchdog.h"
#include "observe/registry.h"
#include "proxy/forwarder.h"
#include "steps/settings.h"
#include "steps/shadow_compare.h"

namespace paygate::steps {

struct ShadowCopy;  // one copy in flight; shadow_traffic.cpp
class ShadowTraffic;

enum class ShadowResult : std::uint8_t { kMatch, kMismatch, kError, kDropped };
inline constexpr std::size_t kShadowResultCount = 4;
std::string_view to_string(ShadowResult result);

// One route's copies on one worker, kept by route name across reloads.
struct ShadowRoute {
  std::string name;
  std::array<observe::Counter*, kShadowResultCount> results{};  // by ShadowResult
  std::size_t in_flight = 0;                                    // copies sent and not yet settled
};

// Where a route's copies go. `settings` aliases a hold on the snapshot that holds them, so that a
// copy still in flight after a reload keeps the snapshot (its cluster, its prefix) alive.
struct ShadowTarget {
  std::shared_ptr<const MirrorSettings> settings;
  proxy::ForwardTarget forward;  // the shadow cluster
  ShadowRoute* route = nullptr;
};

// The primary request's hold on its copy (RequestContext::shadow): the response steps record the
// primary's answer through it, and a request that ends without one lets the copy go when its
// ticket is destroyed. Move-only; empty when nothing was sent.
class ShadowTicket {
 public:
  ShadowTicket() = default;
  ShadowTicket(ShadowTicket&& other) noexcept;
  ShadowTicket& operator=(ShadowTicket&& other) noexcept;
  ~ShadowTicket();
  explicit operator bool() const { return copy_ != nullptr; }

 private:
  friend class ShadowTraffic;
  ShadowTicket(ShadowTraffic* traffic, ShadowCopy* copy, std::uint64_t generation)
      : traffic_(traffic), copy_(copy), generation_(generation) {}

  ShadowTraffic* traffic_ = nullptr;
  ShadowCopy* copy_ = nullptr;
  std::uint64_t generation_ = 0;  // of the slot when it was taken: a reused slot is not ours
};

class ShadowTraffic final : public http::Watchdog::Entry {
 public:
  // Request bodies over this are not copied (dropped).
  static constexpr std::size_t kMaxBodyBytes = 1024 * 1024;
  static constexpr std::size_t kLoggedBodyBytes = 1024;

  ShadowTraffic(proxy::Forwarder& forwarder, http::Watchdog& watchdog, observe::Shard& shard,
                observe::CounterFamily results);
  ~ShadowTraffic() override;
  ShadowTraffic(const ShadowTraffic&) = delete;
  ShadowTraffic& operator=(const ShadowTraffic&) = delete;

  // The state of a route by name (when a snapshot is adopted; allocates the first time).
  ShadowRoute& route(const std::string& name);

  // Copies the exchange's request and starts sending the copy on `executor`. An empty ticket
  // when the copy was dropped (counted) or could not be made (counted as an error).
  ShadowTicket send_copy(const http::Exchange& exchange, std::string_view verified_mchid,
                         const ShadowTarget& target, const boost::asio::any_io_executor& executor);

  // The primary's answer as a response step sees it, once per request.
  void record_primary(const ShadowTicket& ticket, const http::Exchange& exchange, int status,
                      std::string_view body);

  // Copies sent and not settled, all routes (tests, and the bound).
  std::size_t in_flight() const { return in_flight_; }

  // http::Watchdog::Entry, while copies are being sent.
  void on_deadline() override;
  void on_drain() override {}  // a copy ends by its own deadline; the drain does not wait for it
  void on_close() override;

 private:
  friend class ShadowTicket;
  void primary_gone(ShadowCopy& copy, std::uint64_t generation);
  ShadowCopy* held(const ShadowTicket& ticket) const;
  boost::asio::awaitable<void> send(ShadowCopy& copy);
  void settle(ShadowCopy& copy);
  void launch(ShadowCopy& copy);  // once the primary's answer is in
  ShadowResult judge(const ShadowCopy& copy);
  void log_mismatch(const ShadowCopy& copy);
  void count(ShadowRoute& route, ShadowResult result);
  ShadowCopy& take_slot();
  void release(ShadowCopy& copy);
  void start_watching();
  void stop_watching();

  proxy::Forwarder& forwarder_;
  http::Watchdog& watchdog_;
  observe::Shard& shard_;
  observe::CounterFamily results_;
  std::unordered_map<std::string, std::unique_ptr<ShadowRoute>> routes_;  // by route name
  std::vector<std::unique_ptr<ShadowCopy>> slots_;
  std::vector<ShadowCopy*> free_;
  std::size_t in_flight_ = 0;
  std::size_t sending_ = 0;           // copies whose shadow exchange is running
  bool closed_ = false;               // on_close() ran: the worker is stopping
  std::vector<unsigned char> arena_;  // the comparison's JSON values, reused
  JsonReader json_;
  http::Clock::time_point last_logged_{};
};

}  // namespace paygate::steps
