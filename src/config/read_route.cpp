// The routes[] section: how a route matches (router::RouteSpec), what it does (proxy::RouteAction
// or steps::DirectResponse) and which steps it runs (steps::RouteSteps).
#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "config/sections.h"

namespace paygate::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

struct PathKey {
  std::string_view key;
  router::PathKind kind;
};

constexpr std::array<PathKey, 3> kPathKeys{{{"path", router::PathKind::kTemplate},
                                            {"prefix", router::PathKind::kPrefix},
                                            {"regex", router::PathKind::kRegex}}};

bool is_token(std::string_view text) {
  // RFC 9110 tchar.
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

void read_match_path(MapReader& map, router::RouteSpec& spec) {
  std::vector<std::string_view> given;
  for (const auto& [key, kind] : kPathKeys) {
    if (!map.has(key)) continue;
    given.push_back(key);
    spec.kind = kind;
    map.string(key, spec.pattern);
  }
  if (given.size() != 1) {
    std::string message = "a route needs exactly one of path, prefix or regex";
    if (given.size() > 1) message += "; got both " + std::string(given[0]) + " and " +
                                     std::string(given[1]);
    map.diagnostics().add(map.where(), std::move(message));
    return;
  }
  if (spec.kind != router::PathKind::kRegex && !spec.pattern.starts_with('/')) {
    map.diagnostics().add(map.where_of(given[0]), "must start with '/', got '" + spec.pattern + "'");
  }
}

void read_methods(MapReader& map, std::vector<std::string>& methods) {
  map.strings("methods", methods);
  for (const auto& method : methods) {
    const bool upper = is_token(method) && std::none_of(method.begin(), method.end(), [](char c) {
      return c >= 'a' && c <= 'z';
    });
    if (!upper) {
      map.diagnostics().add(map.where_of("methods"),
                            "methods are upper-case tokens like GET, got '" + method + "'");
    }
  }
}

void read_header_match(const YAML::Node& node, const Where& where, Diagnostics& diagnostics,
                       std::vector<router::HeaderMatch>& headers) {
  router::HeaderMatch header;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    map.require("name");
    map.string("name", header.name);
    if (map.has("name") && !is_token(header.name)) {
      diagnostics.add(map.where_of("name"), "not a valid header name: '" + header.name + "'");
    }
    map.string("value", header.value);
    map.boolean("present", header.present_only);
    if (map.has("value") == header.present_only) {
      diagnostics.add(where, "a header match needs either a value or 'present: true'");
    }
  });
  headers.push_back(std::move(header));
}

// respond: {status, body, content_type}: the route answers by itself (steps/respond.h).
void read_respond(MapReader& map, steps::DirectResponse& respond) {
  map.require("status");
  unsigned status = 200;
  map.count("status", status, {200, 599});
  respond.status = static_cast<int>(status);
  if (respond.status == 204 || respond.status == 304) {
    // Their answers may not carry the Content-Length every direct answer has (RFC 9110 8.6).
    map.diagnostics().add(map.where_of("status"), "204 and 304 cannot be direct answers");
  }
  map.string("body", respond.body);
  if (respond.body.size() > steps::DirectResponse::kMaxBodyBytes) {
    map.diagnostics().add(map.where_of("body"),
                          "at most 64KiB, got " + std::to_string(respond.body.size()) + " bytes");
  }
  map.string("content_type", respond.content_type);
  const bool visible = std::all_of(respond.content_type.begin(), respond.content_type.end(),
                                   [](char c) { return c == ' ' || (c > ' ' && c < 0x7f); });
  if (respond.content_type.empty() || !visible) {
    map.diagnostics().add(
        map.where_of("content_type"),
        "expected a media type like text/plain, got '" + respond.content_type + "'");
  }
}

void read_forward(MapReader& map, proxy::RouteAction& action, router::PathKind kind) {
  map.string("cluster", action.cluster);
  map.duration("timeout", action.timeout, {milliseconds{1}, hours{1}});
  map.string("rewrite_prefix", action.rewrite_prefix);
  if (!map.has("rewrite_prefix")) return;
  if (kind != router::PathKind::kPrefix) {
    map.diagnostics().add(map.where_of("rewrite_prefix"), "only prefix routes can rewrite");
  } else if (!action.rewrite_prefix.starts_with('/')) {
    map.diagnostics().add(map.where_of("rewrite_prefix"),
                          "must start with '/', got '" + action.rewrite_prefix + "'");
  }
}

// split: [{cluster, weight, version}]: the clusters the route sends to by weight (steps/split.h).
void read_weighted_cluster(const YAML::Node& node, const Where& where, Diagnostics& diagnostics,
                           proxy::Split& split, std::vector<Where>& places) {
  proxy::WeightedCluster entry;
  read_map(node, where, diagnostics, [&](MapReader& map) {
    map.require("cluster");
    map.require("weight");
    map.string("cluster", entry.cluster);
    map.count("weight", entry.weight, {0, 10'000});
    map.string("version", entry.version);
    if (map.has("version") && !is_token(entry.version)) {
      diagnostics.add(
          map.where_of("version"),
          "a version is a token like v2 (sent as a header value), got '" + entry.version + "'");
    }
    places.push_back(map.where_of("cluster"));
  });
  if (entry.version.empty()) entry.version = entry.cluster;
  split.clusters.push_back(std::move(entry));
}

void check_split(MapReader& map, const proxy::Split& split) {
  const auto& clusters = split.clusters;
  unsigned total = 0;
  for (const auto& entry : clusters) total += entry.weight;
  if (clusters.size() < 2) {
    map.diagnostics().add(map.where_of("split"),
                          "a split names at least two clusters (one cluster: use 'cluster')");
  } else if (total == 0) {
    map.diagnostics().add(map.where_of("split"), "the weights add up to 0: nothing could be sent");
  }
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (clusters[i].version != clusters[j].version) continue;
      map.diagnostics().add(
          map.where_of("split"),
          "two entries are version '" + clusters[i].version + "': give each its own 'version'");
    }
  }
}

// sticky: {by: mchid | header | client, header: X-Name}: what a split's choice sticks to.
void read_sticky(MapReader& map, proxy::Split& split) {
  map.mapping("sticky", [&](MapReader& fields) {
    using proxy::StickyBy;
    fields.choice("by", split.sticky,
                  {{"mchid", StickyBy::kMchid},
                   {"header", StickyBy::kHeader},
                   {"client", StickyBy::kClient}});
    fields.string("header", split.sticky_header);
    const bool by_header = split.sticky == StickyBy::kHeader;
    if (by_header && !is_token(split.sticky_header)) {
      fields.diagnostics().add(fields.where_of("header"),
                               "by: header needs the header's name, like X-Openid");
    } else if (!by_header && fields.has("header")) {
      fields.diagnostics().add(fields.where_of("header"), "only by: header takes a header name");
    }
  });
}

void read_split(MapReader& map, Route& route, RoutePlaces& places) {
  proxy::Split& split = route.action.split.emplace();
  map.sequence("split", [&](const YAML::Node& item, const Where& where) {
    read_weighted_cluster(item, where, map.diagnostics(), split, places.split);
  });
  check_split(map, split);
  read_sticky(map, split);
}

// A route forwards to its cluster, splits between several, or answers by itself: exactly one.
void read_action(MapReader& map, Route& route, RoutePlaces& places) {
  std::vector<std::string_view> given;
  for (std::string_view key : {"cluster", "split", "respond"}) {
    if (map.has(key)) given.push_back(key);
  }
  if (given.empty()) {
    map.diagnostics().add(map.where_of("cluster"),
                          "missing required key 'cluster' (or 'split': several clusters by "
                          "weight, or 'respond': the route answers itself)");
  } else if (given.size() > 1) {
    map.diagnostics().add(map.where_of(given[1]),
                          "a route has one of cluster, split and respond; "
                          "got both " +
                              std::string(given[0]) + " and " + std::string(given[1]));
  }
  if (map.has("sticky") && !map.has("split")) {
    map.diagnostics().add(map.where_of("sticky"), "only a route with a split has sticky");
  }
  if (!map.has("respond")) {
    read_forward(map, route.action, route.match.kind);
    if (map.has("split") && !map.has("cluster")) read_split(map, route, places);
    return;
  }
  for (std::string_view key : {"timeout", "rewrite_prefix"}) {
    if (!map.has(key)) continue;
    map.diagnostics().add(map.where_of(key), "only routes with a cluster have " + std::string(key));
  }
  route.respond.emplace();
  map.mapping("respond", [&](MapReader& fields) { read_respond(fields, *route.respond); });
}

// early_data: safe (the default) or refuse. A signed request sent as early data could be
// replayed to every instance of the gateway (the nonce check is per instance): a route that
// verifies signatures refuses early data whatever is written, and saying otherwise is an error.
void read_early_data(MapReader& map, steps::RouteSteps& steps) {
  using steps::EarlyData;
  map.choice("early_data", steps.early_data,
             {{"safe", EarlyData::kSafe}, {"refuse", EarlyData::kRefuse}});
  if (!steps.verify_merchant) return;
  if (map.has("early_data") && steps.early_data == EarlyData::kSafe) {
    map.diagnostics().add(map.where_of("early_data"),
                          "a route with verify: merchant never serves early data (a replayed "
                          "signed request could pass on another instance): remove it or write "
                          "refuse");
  }
  steps.early_data = EarlyData::kRefuse;
}

// The only values for now; each names the key material the step uses.
void read_steps(MapReader& map, steps::RouteSteps& steps) {
  map.choice("verify", steps.verify_merchant, {{"merchant", true}});
  map.choice("sign", steps.sign_platform, {{"platform", true}});
  read_early_data(map, steps);
  map.choice("priority", steps.priority,
             {{"core", steps::Priority::kCore},
              {"normal", steps::Priority::kNormal},
              {"low", steps::Priority::kLow}});
}

// "99.95%" or "99.95": the share of good requests, in percent.
std::optional<double> parse_percent(std::string_view text) {
  if (text.ends_with('%')) text.remove_suffix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// slo: {objective: 99.95%, latency: 100ms}: a request is good when it is not a 5xx and, with a
// latency, answered within it (observe/slo.h).
void read_slo(MapReader& map, const std::string& route, std::optional<observe::SloSpec>& slo) {
  if (!map.has("slo")) return;
  observe::SloSpec spec;
  spec.route = route;
  map.mapping("slo", [&](MapReader& fields) {
    fields.require("objective");
    std::string objective;
    fields.string("objective", objective);
    if (fields.has("objective")) {
      const auto percent = parse_percent(objective);
      if (!percent || *percent < 50 || *percent >= 100) {
        fields.diagnostics().add(fields.where_of("objective"),
                                 "expected a percentage from 50% to below 100%, like 99.95%, got '" +
                                     objective + "'");
      } else {
        spec.objective = *percent / 100;
      }
    }
    fields.duration("latency", spec.latency, {milliseconds{1}, hours{1}});
  });
  slo = std::move(spec);
}

void read_match(MapReader& map, router::RouteSpec& spec) {
  map.require("name");
  map.string("name", spec.name);
  if (map.has("name")) check_name(map, "name", spec.name);
  read_match_path(map, spec);
  read_methods(map, spec.methods);
  map.strings("hosts", spec.hosts);
  map.sequence("headers", [&](const YAML::Node& item, const Where& where) {
    read_header_match(item, where, map.diagnostics(), spec.headers);
  });
}

}  // namespace

void read_route(const YAML::Node& node, const Where& where, Document& document,
                Diagnostics& diagnostics) {
  Route route;
  RoutePlaces places{where, where, where, where, where, {}};
  read_map(node, where, diagnostics, [&](MapReader& map) {
    read_match(map, route.match);
    read_action(map, route, places);
    read_steps(map, route.steps);
    read_slo(map, route.match.name, route.slo);
    places.cluster = map.where_of("cluster");
    places.respond = map.where_of("respond");
    places.verify = map.where_of("verify");
    places.sign = map.where_of("sign");
  });
  document.routes.push_back(std::move(route));
  document.places.routes.push_back(std::move(places));
}

}  // namespace paygate::config
