// The cross-checks of the platform-side settings and the loading of their key material.
#include <algorithm>
#include <set>
#include <string>

#include "config/validate.h"

namespace paygate::config {
namespace {

// The place of `path`, or of the nearest enclosing setting that was written down
// ("merchants[0].keys[1].serial" -> "merchants[0].keys[1]" when no serial was given).
Where place_of(const Document& document, const std::string& path) {
  std::string_view key = path;
  while (!key.empty()) {
    auto found = document.places.credentials.find(key);
    if (found != document.places.credentials.end()) {
      Where where = found->second;
      where.path = path;
      return where;
    }
    const auto cut = key.find_last_of(".[");
    key = key.substr(0, cut == std::string_view::npos ? 0 : cut);
  }
  return Where{0, 0, path};
}

// A receive: callbacks route checks the platform's signature and decrypts by itself: it needs the
// merchant section with its callbacks outbox, and runs no signing step of its own.
void check_receive_route(const Document& document, std::size_t i, Diagnostics& diagnostics) {
  const RoutePlaces& places = document.places.routes[i];
  const steps::RouteSteps& steps = document.routes[i].steps;
  if (!document.merchant_role || !document.callbacks.enabled) {
    diagnostics.add(places.receive,
                    "'receive: callbacks' needs the 'merchant' section with 'callbacks' (the "
                    "outbox and the app's forward_to)");
  }
  if (steps.verify_merchant || steps.verify_platform) {
    diagnostics.add(places.verify,
                    "a receive: callbacks route verifies the platform's signature itself: "
                    "remove verify");
  }
  if (steps.sign_merchant || steps.sign_platform) {
    diagnostics.add(places.sign, "a receive: callbacks route signs nothing: remove sign");
  }
}

}  // namespace

void check_route_steps(const Document& document, Diagnostics& diagnostics) {
  for (std::size_t i = 0; i < document.routes.size(); ++i) {
    const steps::RouteSteps& steps = document.routes[i].steps;
    if (steps.verify_merchant && document.merchants.empty()) {
      diagnostics.add(document.places.routes[i].verify,
                      "'verify: merchant' needs at least one entry under 'merchants'");
    }
    if (steps.sign_platform && document.platform.keys.empty()) {
      diagnostics.add(document.places.routes[i].sign,
                      "'sign: platform' needs at least one key under 'platform.keys'");
    }
    if (steps.sign_merchant && !document.merchant_role) {
      diagnostics.add(document.places.routes[i].sign,
                      "'sign: merchant' needs the 'merchant' section (identities, apps)");
    } else if (steps.sign_merchant && document.merchant_role->apps.empty()) {
      diagnostics.add(document.places.routes[i].sign,
                      "'sign: merchant' needs at least one app under merchant.apps (who may "
                      "call the route)");
    }
    if (steps.verify_platform && !document.merchant_role) {
      diagnostics.add(document.places.routes[i].verify,
                      "'verify: platform' needs the 'merchant' section (its platform_keys)");
    }
    if (document.routes[i].receives_callbacks) check_receive_route(document, i, diagnostics);
  }
  if (document.notify.enabled && document.platform.keys.empty()) {
    diagnostics.add(document.places.notifications,
                    "notifications are signed: they need at least one key under 'platform.keys'");
  }
  if (document.merchant_role && !document.merchant_role->certificates_cluster.empty()) {
    const std::string& wanted = document.merchant_role->certificates_cluster;
    const bool known = std::any_of(document.clusters.begin(), document.clusters.end(),
                                   [&](const auto& cluster) { return cluster.name == wanted; });
    if (!known) {
      diagnostics.add(document.places.merchant_certificates, "no cluster named '" + wanted + "'");
    }
  }
  std::set<std::string, std::less<>> names;
  for (const auto& route : document.routes) names.insert(route.name());
  for (std::size_t m = 0; m < document.merchants.size(); ++m) {
    const auto& allowed = document.merchants[m].allowed_routes;
    for (std::size_t r = 0; r < allowed.size(); ++r) {
      if (names.contains(allowed[r])) continue;
      diagnostics.add(document.places.allowed_routes[m][r], "no route named '" + allowed[r] + "'");
    }
  }
}

void check_app_certificates(const Document& document, Diagnostics& diagnostics) {
  if (!document.merchant_role) return;
  const bool verifies_clients = std::any_of(
      document.listeners.begin(), document.listeners.end(),
      [](const auto& listener) { return listener.tls && !listener.tls->client_ca_file.empty(); });
  if (verifies_clients) return;
  const auto& apps = document.merchant_role->apps;
  for (std::size_t i = 0; i < apps.size(); ++i) {
    if (apps[i].certificate_san.empty()) continue;
    const std::string path = "merchant.apps[" + std::to_string(i) + "].client_certificate";
    diagnostics.add(place_of(document, path),
                    "no listener has tls.client_ca_file, so no listener asks for a client "
                    "certificate and app '" +
                        apps[i].name + "' could never be known by one");
  }
}

void load_key_material(Document& document, const LoadOptions& options, Diagnostics& diagnostics) {
  const bool platform_role = !document.merchants.empty() || !document.platform.keys.empty();
  if (!platform_role && !document.merchant_role) return;
  const auto now = options.now.value_or(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  credentials::CredentialReport report;
  if (platform_role) {
    document.credentials =
        credentials::load_credentials(document.merchants, document.platform, now, report);
  }
  if (document.merchant_role) {
    document.merchant_keys = credentials::load_merchant_role(*document.merchant_role, now, report);
  }
  for (const auto& error : report.errors) {
    diagnostics.add(place_of(document, error.path), error.message);
  }
  for (const auto& warning : report.warnings) {
    diagnostics.warn(place_of(document, warning.path), warning.message);
  }
}

}  // namespace paygate::config
