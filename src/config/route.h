#pragma once
// Route: one entry of routes[] as a snapshot keeps it: how it matches (router::RouteSpec), what
// it does (forward to its cluster, with timeout and prefix rewrite, or answer by itself with
// `respond`), which steps it runs, its SLO and its shadow. Plain
// data, filled by config/ and compiled by each worker into the route's pipeline of steps
// (app/route_pipelines.h). RoutePlaces says where its parts were written, for diagnostics.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "canary/settings.h"
#include "config/diagnostics.h"
#include "observe/slo.h"
#include "proxy/settings.h"
#include "router/route_table.h"
#include "steps/settings.h"

namespace paygate::config {

struct Route {
  router::RouteSpec match;    // match.name is the route's name
  proxy::RouteAction action;  // the cluster (or split) by name, timeout, rewrite_prefix
  std::size_t cluster = 0;    // index of action.cluster in the clusters (link_routes())
  std::optional<steps::DirectResponse> respond;  // set instead of a cluster: the route answers
  // receive: callbacks, instead of a cluster: the route is the merchant role's notify_url
  // (steps/receive_callback.h).
  bool receives_callbacks = false;
  steps::RouteSteps steps;
  std::optional<observe::SloSpec> slo;
  std::optional<canary::CanarySettings> canary;  // a self-driving canary beside the cluster
  std::optional<steps::MirrorSettings> mirror;  // copies to a shadow cluster (routes[].mirror)
  std::size_t mirror_cluster = 0;               // index of mirror->cluster (link_routes())
  std::optional<steps::Degradable> degradable;  // answers its fallback while degraded
  std::optional<steps::FaultInjection> fault;   // faults injected for drills
  // Where stress traffic of the route goes (steps/stress_route.h), by name; "" none: the route
  // refuses stress traffic. A stress cluster serves no production route (link_routes()).
  std::string stress_cluster;
  std::size_t stress_cluster_index = 0;  // index of stress_cluster (link_routes())

  const std::string& name() const { return match.name; }
  // Whether the route answers by itself (respond, receive) rather than through a cluster.
  bool answers_itself() const { return respond.has_value() || receives_callbacks; }
};

struct RoutePlaces {
  Where route;    // routes[i]
  Where cluster;  // routes[i].cluster
  Where respond;  // routes[i].respond
  Where receive;  // routes[i].receive
  Where verify;   // routes[i].verify
  Where sign;     // routes[i].sign
  Where mirror_cluster;      // routes[i].mirror.cluster
  std::vector<Where> split;  // routes[i].split[j].cluster
  Where canary;              // routes[i].canary.cluster
  Where stress_cluster;      // routes[i].stress_cluster
};

}  // namespace paygate::config
