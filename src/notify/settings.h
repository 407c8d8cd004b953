#pragma once
// Settings of the durable notification path (issue: payment notifications are never lost):
// where the outbox lives, the internal intake listener, and how deliveries are attempted and
// retried. Plain data with defaults; config/ fills and validates them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/secret_buffer.h"
#include "tls/client_context.h"

namespace paygate::notify {

// The official retry schedule (docs/protocol.md §4): the delay before each retry after a
// failed attempt. After the last one the event is a dead letter. Header-only so that config/
// can default to it without linking notify/.
inline std::vector<std::chrono::seconds> official_schedule() {
  using std::chrono::hours, std::chrono::minutes, std::chrono::seconds;
  return {seconds{15}, seconds{15}, seconds{30}, minutes{3}, minutes{10},
          minutes{20}, minutes{30}, minutes{30}, minutes{30}, minutes{60},
          hours{3},    hours{3},    hours{3},    hours{6},    hours{6}};
}

// How the intake tells an event of stress traffic: the backend passes on the stress header of the
// request that caused it (the top-level stress section's header and value). Empty header: the
// gateway has no stress section and diverts nothing.
struct StressMark {
  std::string header;
  std::string value;
};

// What a delivery POSTs. kSealed: the platform's notification, the resource sealed under the
// merchant's APIv3 key and the envelope signed with the platform key (the `notifications`
// outbox). kPlain: the event's stored body as it is, the decrypted callback a merchant-role
// receiver took in, to the merchant's own app (the `merchant.callbacks` outbox); such an outbox
// takes events from its receiver route only, never over its internal listener.
enum class DeliveryForm { kSealed, kPlain };

struct NotifySettings {
  bool enabled = false;       // true when the `notifications` section is present
  DeliveryForm form = DeliveryForm::kSealed;
  std::string store_path;  // the SQLite outbox file (created if absent), or a postgresql:// URI
  // PostgreSQL: the schema of this outbox's tables; each outbox kind has its own by default, so
  // all three may share one database.
  std::string store_schema = "paygate_notifications";
  std::uint64_t max_store_bytes = 0;  // 0 = unbounded; beyond it intake answers 503

  std::string address = "127.0.0.1";  // the internal intake listener: loopback by default
  std::uint16_t port = 9902;
  crypto::SecretBuffer token;  // bearer token intake and admin calls must present; "" = none
  std::size_t max_body_bytes = 64 * 1024;

  std::vector<std::chrono::seconds> schedule = official_schedule();
  double jitter = 0.1;  // each delay is stretched or shrunk by up to this fraction
  std::chrono::milliseconds attempt_timeout{5000};  // lookup + connect + write + answer: one POST
  std::chrono::milliseconds lease{60000};  // an event taken for delivery is due again after this
  // Delivery threads (signing is their main cost); 0 = this node only takes events in and
  // another node sharing the outbox delivers them.
  std::size_t dispatchers = 1;
  std::size_t merchant_concurrency = 32;   // deliveries in flight per merchant and dispatcher
  std::size_t host_connections = 64;       // open connections per notify_url host
  // https:// notify_urls: certificates are verified against ca_file, or the system's bundle
  // when it is empty. `tls` is the context config/ builds from it, once per load.
  std::string ca_file;
  std::shared_ptr<const tls::ClientContext> tls;
  // Not empty: every event taken in is delivered here instead of its notify_url (the stress
  // outbox's sink, so stress traffic never notifies a merchant). Checked like a notify_url.
  std::string sink;
  // kPlain: where every event goes (the app's internal URL), and the bearer token it is sent
  // with ("" none).
  std::string forward_to;
  crypto::SecretBuffer forward_token;
  std::chrono::milliseconds retention{std::chrono::hours{72}};  // delivered: deleted after this
  std::chrono::milliseconds dead_letter_retention{std::chrono::hours{24 * 30}};  // failed: kept
};

}  // namespace paygate::notify
