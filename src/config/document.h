#pragma once
// Document: the settings read from one YAML file, before the route table is compiled, plus where
// each named thing was written so that cross-reference checks can point at it. Built and checked
// by parse_document() (config/parse.h); plain data owned by the load; single thread.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/settings.h"
#include "config/diagnostics.h"
#include "config/route.h"
#include "core/settings.h"
#include "credentials/credentials.h"
#include "credentials/merchant_role.h"
#include "credentials/settings.h"
#include "http/settings.h"
#include "notify/settings.h"
#include "observe/settings.h"
#include "proxy/settings.h"
#include "steps/settings.h"
#include "tls/server_context.h"

namespace paygate::config {

struct Places {
  std::vector<Where> listeners;              // listeners[i].port
  std::vector<Where> listener_tls;           // listeners[i].tls
  Where admin;                               // admin.port
  Where notifications;                       // the notifications section
  Where state_file;                          // state_file
  Where stress;                              // the stress section
  Where merchant_role;                       // the merchant section
  Where merchant_certificates;               // merchant.certificates.cluster
  Where callbacks;                           // merchant.callbacks
  std::vector<Where> clusters;               // clusters[i].name
  std::vector<Where> cluster_tls;            // clusters[i].tls (empty Where when none)
  std::vector<std::vector<Where>> endpoints; // clusters[i].endpoints[j]
  std::vector<RoutePlaces> routes;           // routes[i] and its parts
  std::vector<std::vector<Where>> allowed_routes;  // merchants[i].allowed_routes[j]
  // Where each merchants / platform setting was written, by its path ("merchants[0].keys[1]",
  // "merchants[0].keys[1].certificate"), so that key loading problems point at the line.
  std::map<std::string, Where, std::less<>> credentials;
};

struct Document {
  core::ProcessSettings process;
  std::vector<http::ListenerSettings> listeners;  // at least one after reading
  // listeners[i]'s TLS context, null for cleartext; filled by load_tls_contexts().
  std::vector<std::shared_ptr<const tls::ServerContext>> listener_tls;
  admin::AdminSettings admin;
  observe::LogSettings log;
  std::vector<proxy::ClusterSettings> clusters;
  std::vector<Route> routes;                             // Route::cluster filled by link_routes()
  std::vector<credentials::MerchantSettings> merchants;  // file paths resolved against `directory`
  credentials::PlatformSettings platform;
  notify::NotifySettings notify;  // enabled when the notifications section is present
  std::optional<steps::StressSettings> stress;  // the stress section (steps/stress_route.h)
  // The stress outbox: the notification settings with stress.notifications' store, port and
  // sink; enabled when stress.notifications is present.
  notify::NotifySettings stress_notify;
  // The redis section: nonces and rate limits shared by the nodes of a cluster.
  std::optional<steps::SharedAdmissionSettings> redis;
  // merchant.callbacks: the outbox of received callbacks (DeliveryForm::kPlain); enabled when
  // that section is present.
  notify::NotifySettings callbacks;
  std::shared_ptr<const credentials::Credentials> credentials;  // filled by load_key_material()
  // The merchant section: the merchant role (sign: merchant, verify: platform routes).
  std::optional<credentials::MerchantRoleSettings> merchant_role;
  std::shared_ptr<const credentials::MerchantRole> merchant_keys;  // by load_key_material()
  std::string directory;  // of the configuration file; "" = the working directory
  Places places;
};

}  // namespace paygate::config
