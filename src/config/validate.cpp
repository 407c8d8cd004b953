#include "config/validate.h"

#include <algorithm>
#include <map>
#include <string>
#include <variant>

#include <boost/asio/ip/address.hpp>

#include "config/endpoint.h"

namespace paygate::config {
namespace {

// `names[i]` was written at `places[i]`.
void check_unique(const std::vector<std::string_view>& names, const std::vector<Where>& places,
                  std::string_view what, Diagnostics& diagnostics) {
  std::map<std::string_view, const Where*> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) continue;  // already reported as missing or invalid
    auto [first, inserted] = seen.emplace(names[i], &places[i]);
    if (inserted) continue;
    diagnostics.add(places[i], "duplicate " + std::string(what) + " name '" +
                                   std::string(names[i]) + "' (first at line " +
                                   std::to_string(first->second->line) + ")");
  }
}

// An unspecified address (0.0.0.0, ::) listens on every interface, so it overlaps any other.
bool addresses_overlap(const std::string& a, const std::string& b) {
  if (a == b) return true;
  boost::system::error_code error_a;
  boost::system::error_code error_b;
  const auto address_a = boost::asio::ip::make_address(a, error_a);
  const auto address_b = boost::asio::ip::make_address(b, error_b);
  if (error_a || error_b) return false;  // already reported
  return address_a == address_b || address_a.is_unspecified() || address_b.is_unspecified();
}

}  // namespace

void check_unique_names(const Document& document, Diagnostics& diagnostics) {
  std::vector<std::string_view> clusters;
  for (const auto& cluster : document.clusters) clusters.push_back(cluster.name);
  check_unique(clusters, document.places.clusters, "cluster", diagnostics);
  std::vector<std::string_view> routes;
  std::vector<Where> route_names;
  for (std::size_t i = 0; i < document.routes.size(); ++i) {
    routes.push_back(document.routes[i].name());
    route_names.push_back(document.places.routes[i].route);
    route_names.back().path += ".name";
  }
  check_unique(routes, route_names, "route", diagnostics);
}

namespace {
// Whether the route sends its own requests to the cluster: its cluster or one of its split's.
bool serves_route(const Route& route, const std::string& cluster) {
  if (cluster == route.action.cluster) return true;
  if (!route.action.split) return false;
  const auto& versions = route.action.split->clusters;
  return std::any_of(versions.begin(), versions.end(),
                     [&](const auto& version) { return version.cluster == cluster; });
}

// A shadow is another cluster: one of the route's own would get mirrored requests twice.
void link_mirror(Route& route, const std::map<std::string, std::size_t, std::less<>>& by_name,
                 const Where& place, Diagnostics& diagnostics) {
  if (!route.mirror || route.mirror->cluster.empty()) return;
  const std::string& name = route.mirror->cluster;
  auto found = by_name.find(name);
  if (found == by_name.end()) {
    diagnostics.add(place, "no cluster named '" + name + "'");
  } else if (serves_route(route, name)) {
    diagnostics.add(place,
                    "the shadow must be another cluster than the route's own ('" + name + "')");
  } else {
    route.mirror_cluster = found->second;
  }
}
// Every cluster some route sends production traffic to (its own, its split's, its canary's or
// its shadow).
std::vector<bool> production_clusters(
    const Document& document, const std::map<std::string, std::size_t, std::less<>>& by_name) {
  std::vector<bool> production(document.clusters.size(), false);
  auto mark = [&](const std::string& name) {
    if (auto found = by_name.find(name); found != by_name.end()) production[found->second] = true;
  };
  for (const Route& route : document.routes) {
    mark(route.action.cluster);
    if (route.action.split) {
      for (const auto& version : route.action.split->clusters) mark(version.cluster);
    }
    if (route.canary) mark(route.canary->cluster);
    if (route.mirror) mark(route.mirror->cluster);
  }
  return production;
}

// A stress cluster is one no production traffic goes to: stress tests may not write where
// production reads, nor production where stress tests write.
void link_stress_clusters(Document& document,
                          const std::map<std::string, std::size_t, std::less<>>& by_name,
                          Diagnostics& diagnostics) {
  const std::vector<bool> production = production_clusters(document, by_name);
  for (std::size_t i = 0; i < document.routes.size(); ++i) {
    Route& route = document.routes[i];
    if (route.stress_cluster.empty()) continue;
    const Where& place = document.places.routes[i].stress_cluster;
    const auto found = by_name.find(route.stress_cluster);
    if (!document.stress) {
      diagnostics.add(place,
                      "a stress_cluster needs the top-level stress section (which "
                      "requests are stress traffic and who may send it)");
    } else if (found == by_name.end()) {
      diagnostics.add(place, "no cluster named '" + route.stress_cluster + "'");
    } else if (production[found->second]) {
      diagnostics.add(place, "cluster '" + route.stress_cluster +
                                 "' serves production traffic and cannot be a stress cluster");
    } else {
      route.stress_cluster_index = found->second;
    }
  }
}
}  // namespace

void link_routes(Document& document, Diagnostics& diagnostics) {
  std::map<std::string, std::size_t, std::less<>> by_name;
  for (std::size_t i = 0; i < document.clusters.size(); ++i) {
    by_name.emplace(document.clusters[i].name, i);
  }
  auto link = [&](const std::string& name, std::size_t& index, const Where& where) {
    if (name.empty()) return;  // a respond route, or reported as missing
    auto found = by_name.find(name);
    if (found != by_name.end()) {
      index = found->second;
    } else {
      diagnostics.add(where, "no cluster named '" + name + "'");
    }
  };
  for (std::size_t i = 0; i < document.routes.size(); ++i) {
    Route& route = document.routes[i];
    const RoutePlaces& places = document.places.routes[i];
    link(route.action.cluster, route.cluster, places.cluster);
    link_mirror(route, by_name, places.mirror_cluster, diagnostics);
    if (route.canary) {
      link(route.canary->cluster, route.canary->cluster_index, places.canary);
      if (document.process.state_file.empty()) {
        diagnostics.add(places.canary,
                        "a canary needs the top-level state_file, where its progress survives "
                        "restarts");
      }
    }
    if (!route.action.split) continue;
    auto& clusters = route.action.split->clusters;
    for (std::size_t j = 0; j < clusters.size() && j < places.split.size(); ++j) {
      link(clusters[j].cluster, clusters[j].index, places.split[j]);
    }
  }
  link_stress_clusters(document, by_name, diagnostics);
}

void check_listen_addresses(const Document& document, Diagnostics& diagnostics) {
  // Port 0 picks a free port at bind time, so two zeros never collide.
  auto collide = [](const std::string& address_a, std::uint16_t port_a,
                    const std::string& address_b, std::uint16_t port_b) {
    return port_a != 0 && port_a == port_b && addresses_overlap(address_a, address_b);
  };
  const auto& listeners = document.listeners;
  const auto& admin = document.admin;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    const auto& listener = listeners[i];
    const std::string named = listener.address + ":" + std::to_string(listener.port);
    if (collide(listener.address, listener.port, admin.address, admin.port)) {
      diagnostics.add(document.places.admin,
                      "admin listens on the same address and port as a listener (" + named + ")");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!collide(listener.address, listener.port, listeners[j].address, listeners[j].port)) {
        continue;
      }
      diagnostics.add(document.places.listeners[i],
                      "two listeners on the same address and port (" + named + ")");
    }
  }
}

namespace {

// notifications.ca_file, or the system's bundle: what https:// notify_urls are verified with.
void load_notify_tls(Document& document, Diagnostics& diagnostics) {
  if (!document.notify.enabled) return;
  tls::ClientSettings settings;
  settings.ca_file = document.notify.ca_file;
  tls::BuildError error;
  document.notify.tls = tls::ClientContext::build(settings, error);
  // The stress outbox delivers with the same trust (read_stress()).
  if (document.stress_notify.enabled) document.stress_notify.tls = document.notify.tls;
  if (document.notify.tls) return;
  Where where = document.places.notifications;
  where.path = "notifications." + error.key;
  diagnostics.add(where, std::move(error.message));
}

// merchant.callbacks.ca_file, or the system's bundle: what an https:// forward_to is verified
// with.
void load_callbacks_tls(Document& document, Diagnostics& diagnostics) {
  if (!document.callbacks.enabled) return;
  tls::ClientSettings settings;
  settings.ca_file = document.callbacks.ca_file;
  tls::BuildError error;
  document.callbacks.tls = tls::ClientContext::build(settings, error);
  if (document.callbacks.tls) return;
  Where where = document.places.callbacks;
  where.path = "merchant.callbacks." + error.key;
  diagnostics.add(where, std::move(error.message));
}

void load_cluster_tls(Document& document, Diagnostics& diagnostics) {
  for (std::size_t i = 0; i < document.clusters.size(); ++i) {
    proxy::ClusterSettings& cluster = document.clusters[i];
    if (!cluster.tls) continue;
    tls::BuildError error;
    cluster.tls_context = tls::ClientContext::build(*cluster.tls, error);
    if (cluster.tls_context) continue;
    Where where = document.places.cluster_tls[i];
    if (!error.key.empty()) where.path += "." + error.key;
    diagnostics.add(where, std::move(error.message));
  }
}

}  // namespace

void load_tls_contexts(Document& document, std::chrono::sys_seconds now, Diagnostics& diagnostics) {
  load_notify_tls(document, diagnostics);
  load_callbacks_tls(document, diagnostics);
  load_cluster_tls(document, diagnostics);
  document.listener_tls.assign(document.listeners.size(), nullptr);
  for (std::size_t i = 0; i < document.listeners.size(); ++i) {
    const auto& settings = document.listeners[i].tls;
    if (!settings) continue;
    tls::BuildError error;
    document.listener_tls[i] = tls::ServerContext::build(*settings, now, error);
    if (document.listener_tls[i]) continue;
    Where where = document.places.listener_tls[i];
    if (!error.key.empty()) where.path += "." + error.key;
    diagnostics.add(where, std::move(error.message));
  }
}

void check_route_methods(const Document& document, Diagnostics& diagnostics) {
  auto let_in = [&document](http::Verb verb) {
    for (const auto& listener : document.listeners) {
      if (listener.limits.methods.contains(verb)) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < document.routes.size(); ++i) {
    for (const std::string& name : document.routes[i].match.methods) {
      const auto verb = http::known_method(name);
      if (!verb || let_in(*verb)) continue;
      Where where = document.places.routes[i].route;
      where.path += ".methods";
      diagnostics.add(where, "'" + name + "' is refused by every listener (listener.methods: " +
                                 std::string(document.listeners.front().limits.methods.allow()) +
                                 "), so this route never sees it");
    }
  }
}

void resolve_endpoints(Document& document, const LoadOptions& options, Diagnostics& diagnostics) {
  for (std::size_t c = 0; c < document.clusters.size(); ++c) {
    auto& endpoints = document.clusters[c].endpoints;
    for (std::size_t e = 0; e < endpoints.size(); ++e) {
      auto resolved =
          resolve_endpoint({endpoints[e].host, endpoints[e].port}, options.resolve_names);
      if (auto* message = std::get_if<std::string>(&resolved)) {
        diagnostics.add(document.places.endpoints[c][e], std::move(*message));
      } else {
        endpoints[e].address = std::get<boost::asio::ip::tcp::endpoint>(resolved);
      }
    }
  }
}

}  // namespace paygate::config
