#pragma once
// Snapshot: the whole runtime configuration, immutable once built. Workers hold a
// shared_ptr<const Snapshot>; a reload builds a new one and publishes it; requests in flight
// finish on the snapshot they started with.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/settings.h"
#include "admission/rate_limiter.h"
#include "config/route.h"
#include "core/settings.h"
#include "credentials/credentials.h"
#include "credentials/merchant_role.h"
#include "credentials/settings.h"
#include "http/settings.h"
#include "notify/settings.h"
#include "observe/settings.h"
#include "proxy/settings.h"
#include "router/route_table.h"
#include "steps/settings.h"
#include "tls/server_context.h"

namespace paygate::config {

struct Snapshot {
  std::string source_path;    // the YAML file it was loaded from
  std::uint64_t generation = 0;  // 1 for the first load, +1 per successful reload

  core::ProcessSettings process;
  // listeners[0] is the one `listener:` describes; its telemetry and merchant_label_limit are
  // the process's.
  std::vector<http::ListenerSettings> listeners;
  std::vector<std::shared_ptr<const tls::ServerContext>> listener_tls;  // null: cleartext
  admin::AdminSettings admin;
  observe::LogSettings log;

  std::vector<proxy::ClusterSettings> clusters;  // endpoints resolved
  std::vector<Route> routes;                     // index = route index of RouteTable matches
  std::unique_ptr<const router::RouteTable> table;

  // The merchants and platform sections as configured (file paths, resolved), and the key
  // material loaded from them; null when neither section names any key.
  std::vector<credentials::MerchantSettings> merchants;
  credentials::PlatformSettings platform;
  notify::NotifySettings notify;
  std::optional<steps::StressSettings> stress;  // null: no stress traffic (steps/stress_route.h)
  notify::NotifySettings stress_notify;         // the stress outbox, when enabled
  // Nonces and rate limits shared by the nodes of a cluster (redis section); none: this node's.
  std::optional<steps::SharedAdmissionSettings> redis;
  notify::NotifySettings callbacks;  // merchant.callbacks: received callbacks, when enabled
  std::shared_ptr<const credentials::Credentials> credentials;
  // The merchant role's identities, apps and platform keys; null without a merchant section.
  std::shared_ptr<const credentials::MerchantRole> merchant_keys;
  // The merchants' rate limits over credentials->merchants(); null when no merchant has one.
  // Not const: its per-merchant state is what every worker updates, without locks.
  std::shared_ptr<admission::RateLimiter> rate_limiter;
};

}  // namespace paygate::config
