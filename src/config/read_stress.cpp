// The stress section: how stress traffic is recognised, who may send it, and where the
// notifications it causes go (steps/stress_route.h; routes name their stress_cluster).
#include <algorithm>

#include "config/sections.h"
#include "core/token.h"
#include "core/uri_password.h"

namespace paygate::config {
namespace {

// stress.notifications: {store, port, sink}: a second outbox with the notification settings of
// the notifications section, its own store and intake port, and one sink for every event.
void read_stress_notifications(MapReader& map, Document& document) {
  if (!document.notify.enabled) {
    map.diagnostics().add(map.where(),
                          "stress.notifications needs the notifications section: the stress "
                          "outbox delivers with its settings");
  }
  notify::NotifySettings& n = document.stress_notify;
  n = document.notify;  // disabled as well when there is no notifications section
  n.port = 0;
  map.require("sink");
  read_store(map, document.directory, n, "paygate_stress");
  // One file is one outbox; on PostgreSQL, one database and schema is.
  const bool same_store =
      n.store_path == document.notify.store_path &&
      (!core::is_postgres_uri(n.store_path) || n.store_schema == document.notify.store_schema);
  if (n.enabled && map.has("store") && same_store) {
    map.diagnostics().add(map.where_of("store"),
                          "the stress outbox must be another file (or PostgreSQL schema) than the "
                          "notifications store");
  }
  map.count("port", n.port, {0, 65535});
  if (n.port != 0 && n.port == document.notify.port) {
    map.diagnostics().add(map.where_of("port"),
                          "the stress intake must listen on another port than the notifications "
                          "intake");
  }
  map.string("sink", n.sink);
  if (map.has("sink") && !is_notify_url(n.sink)) {
    map.diagnostics().add(
        map.where_of("sink"),
        "expected an http:// or https:// URL without a query, got '" + n.sink + "'");
  }
}

// Every allowed merchant is a configured one (a merchant whose requests are verified, or on the
// merchant role an identity requests are signed as): a typo would silently refuse its stress
// traffic.
void check_allowed_merchants(MapReader& map, const Document& document,
                             const std::vector<std::string>& mchids) {
  auto has = [](const auto& list, const std::string& mchid) {
    return std::any_of(list.begin(), list.end(), [&](const auto& m) { return m.mchid == mchid; });
  };
  for (const std::string& mchid : mchids) {
    const bool known = has(document.merchants, mchid) ||
                       (document.merchant_role && has(document.merchant_role->identities, mchid));
    if (!known) {
      map.diagnostics().add(map.where_of("allowed_merchants"),
                            "no merchant with mchid '" + mchid + "'");
    }
  }
}

}  // namespace

void read_stress(MapReader& map, Document& document) {
  steps::StressSettings& stress = document.stress.emplace();
  document.places.stress = map.where();
  map.string("header", stress.header);
  if (map.has("header") && !core::is_token(stress.header)) {
    map.diagnostics().add(map.where_of("header"),
                          "not a valid header name: '" + stress.header + "'");
  }
  map.require("value");
  map.string("value", stress.value);
  if (map.has("value") && (stress.value.empty() || !core::is_token(stress.value))) {
    map.diagnostics().add(map.where_of("value"),
                          "expected a token like stress-v2, got '" + stress.value + "'");
  }
  map.strings("allowed_merchants", stress.allowed_merchants);
  check_allowed_merchants(map, document, stress.allowed_merchants);
  read_address_blocks(map, "allowed_sources", stress.allowed_sources);
  if (stress.allowed_merchants.empty() && stress.allowed_sources.empty()) {
    map.diagnostics().add(map.where(),
                          "expected allowed_merchants, allowed_sources or both: who may send "
                          "stress traffic");
  }
  map.mapping("notifications", [&](MapReader& notifications) {
    read_stress_notifications(notifications, document);
  });
}

}  // namespace paygate::config
