#pragma once
// Settings of the per-route steps: which steps a route runs. Plain data with defaults; config/
// fills and validates them. The key material the steps use is credentials/settings.h.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/methods.h"
#include "proxy/settings.h"
#include "redis/settings.h"

namespace paygate::steps {

// routes[].early_data: what a request that came in TLS 1.3 early data (a possible replay) may
// do on the route; the others get 425 Too Early and send it again after the handshake.
enum class EarlyData : std::uint8_t {
  kSafe,    // only GET, HEAD and OPTIONS without a body are served
  kRefuse,  // none is (always so on a route that verifies a merchant's signature)
};

// routes[].priority: which routes give way first when the gateway is overloaded (shedding) or a
// core route's SLO burns (degrade). The forwarder's limiter needs it, so proxy/ declares it.
using Priority = proxy::Priority;

// Which steps a route runs (config::Route::steps).
struct RouteSteps {
  bool verify_merchant = false;  // check the merchant's Authorization and reject replays
  bool sign_platform = false;    // sign the reply with the platform key (Wechatpay-* headers)
  // The merchant role: sign each try of the request as the calling app's merchant identity
  // (Authorization), and verify the reply's Wechatpay-* signature before the app sees it.
  bool sign_merchant = false;
  bool verify_platform = false;
  // verify: bill_hash, on a sign: merchant route: the relayed file's digest must match the
  // hash_value the app names (steps/check_bill_hash.h).
  bool verify_bill_hash = false;
  // routes[].encrypt, with sign: merchant: RFC 6901 pointers to the sensitive fields encrypted
  // to the platform key (steps/encrypt_fields.h).
  std::vector<std::string> encrypt;
  EarlyData early_data = EarlyData::kSafe;
  Priority priority = Priority::kNormal;
};

// respond: what a route answers by itself instead of forwarding (steps/respond.h).
struct DirectResponse {
  int status = 200;                               // 200 to 599, neither 204 nor 304
  std::string body;                               // sent as written, at most kMaxBodyBytes
  std::string content_type = "application/json";  // a field value: visible ASCII and spaces

  static constexpr std::size_t kMaxBodyBytes = 64 * 1024;
};

// routes[].mirror: a copy of some of the route's requests goes to a shadow cluster off the request
// path, and the shadow's answer is compared with the primary's (steps/mirror.h). The client only
// ever gets the primary's answer.
struct MirrorSettings {
  std::string cluster;   // the shadow cluster, by name; never the route's own
  double percent = 100;  // the share of the route's requests (of `methods`) copied, 0 to 100
  // Methods other than GET and HEAD have side effects (a POST creates an order or a refund):
  // only for a shadow that shares nothing downstream with the primary.
  http::MethodSet methods{http::Verb::get, http::Verb::head};
  std::vector<std::string> ignore;  // compare.ignore: RFC 6901 pointers left out of JSON bodies
  std::size_t max_in_flight = 64;   // copies of the route in flight per worker; more are dropped
};

// A compare.ignore entry: an RFC 6901 pointer to a part of a document, "/" and reference tokens
// with '~' only in "~0" and "~1"; not "" (the whole document). Here for config/ to check.
inline bool is_removable_pointer(std::string_view pointer) {
  if (!pointer.starts_with('/')) return false;
  for (std::size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] != '~') continue;
    if (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) return false;
  }
  return true;
}

// degradable: what a route answers while the gateway is degraded (a core route's SLO pages,
// observe/degrade.h; steps/degrade.h): its fallback, or 503 with Retry-After when it is shed.
struct Degradable {
  std::optional<DirectResponse> respond;  // the fallback; none: shed
};

// A block of client addresses (trusted_sources: 10.0.0.0/8, ::1/128). IPv4 blocks are kept as
// IPv4-mapped IPv6 (::ffff:10.0.0.0/104), so one comparison serves both families.
struct AddressBlock {
  std::array<std::uint8_t, 16> bytes{};  // the address, bits past `prefix` zero
  unsigned prefix = 0;                   // 0 to 128
};

// fault: faults injected into a route's requests for drills (steps/inject_fault.h). Shares are
// in parts per million, so a per-request draw is one integer comparison.
// At namespace scope rather than nested in FaultInjection: clang does not see a nested class's
// default member initializers while the enclosing class is incomplete, and then refuses
// std::optional<Delay>::emplace().
struct FaultDelay {
  std::uint32_t per_million = 0;
  std::chrono::milliseconds duration{};  // at most the route's timeout (cut to it)
};
struct FaultAbort {
  std::uint32_t per_million = 0;
  int status = 503;  // 400 to 599
};

struct FaultInjection {
  static constexpr std::uint32_t kMillion = 1'000'000;

  using Delay = FaultDelay;
  using Abort = FaultAbort;
  std::optional<Delay> delay;
  std::optional<Abort> abort;
  // Empty: faults apply to every request. Else only to requests carrying this field with value
  // delay, abort or all from a trusted source; the field is never forwarded.
  std::string header;
  std::vector<AddressBlock> trusted_sources;  // required with `header`
};

// stress: how stress traffic is told apart and who may send it (steps/stress_route.h). A request
// is stress traffic when it carries `header` with `value`, and may be only when its verified
// merchant is one of allowed_merchants or it comes from one of allowed_sources; a route sends
// it to its stress_cluster, never to production.
struct StressSettings {
  std::string header = "X-Test-Env";
  std::string value;                           // required, like stress-v2
  std::vector<std::string> allowed_merchants;  // mchids
  std::vector<AddressBlock> allowed_sources;
};

// redis: the state the nodes of a cluster share, so that a nonce used on one node is a replay on
// every other and a merchant's rate limit holds across all of them (steps/shared_admission.h).
// What a request meets while Redis cannot answer is configured, never guessed:
enum class NonceFailure : std::uint8_t {
  kRefuse,  // 503: never accept a request that may be a replay (fail_closed, the default)
  kLocal,   // this node's own replay guard only (replays across nodes pass meanwhile)
};
enum class LimitFailure : std::uint8_t {
  kLocal,   // this node's own limiter (each node admits the full rate meanwhile; the default)
  kRefuse,  // 503
  kAdmit,   // no limit
};
struct SharedAdmissionSettings {
  redis::Settings server;
  std::string key_prefix = "paygate:";  // every key starts with it: several gateways, one Redis
  NonceFailure on_nonce_failure = NonceFailure::kRefuse;
  LimitFailure on_limit_failure = LimitFailure::kLocal;
};

}  // namespace paygate::steps
