// The routes[] section: how a route matches (router::RouteSpec), what it does (proxy::RouteAction
// or steps::DirectResponse), which steps it runs (steps::RouteSteps) and where its shadow copies
// go (steps::MirrorSettings).
#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <optional>

#include "config/sections.h"
#include "config/units.h"
#include "core/token.h"

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
    const bool upper =
        core::is_token(method) &&
        std::none_of(method.begin(), method.end(), [](char c) { return c >= 'a' && c <= 'z'; });
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
    if (map.has("name") && !core::is_token(header.name)) {
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
  map.boolean("idempotent", action.idempotent);
  map.strings("idempotent_by", action.idempotent_by);
  if (action.idempotent && !action.idempotent_by.empty()) {
    map.diagnostics().add(map.where_of("idempotent_by"),
                          "give idempotent or idempotent_by, not both (idempotent: true already "
                          "retries every request of the route)");
  }
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
    if (map.has("version") && !core::is_token(entry.version)) {
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

// sticky: {by: mchid | header | client, header: X-Name}: what a split's or a canary's choice
// sticks to.
void read_sticky(MapReader& map, proxy::Sticky& sticky) {
  if (map.has("sticky") && !map.has("split") && !map.has("canary")) {
    map.diagnostics().add(map.where_of("sticky"), "only a route with a split or canary has sticky");
  }
  map.mapping("sticky", [&](MapReader& fields) {
    using proxy::StickyBy;
    fields.choice("by", sticky.by,
                  {{"mchid", StickyBy::kMchid},
                   {"header", StickyBy::kHeader},
                   {"client", StickyBy::kClient}});
    fields.string("header", sticky.header);
    const bool by_header = sticky.by == StickyBy::kHeader;
    if (by_header && !core::is_token(sticky.header)) {
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
}

// A route forwards to its cluster, splits between several, answers by itself or receives
// callbacks: exactly one.
void read_action(MapReader& map, Route& route, RoutePlaces& places) {
  std::vector<std::string_view> given;
  for (std::string_view key : {"cluster", "split", "respond", "receive"}) {
    if (map.has(key)) given.push_back(key);
  }
  if (given.empty()) {
    map.diagnostics().add(map.where_of("cluster"),
                          "missing required key 'cluster' (or 'split': several clusters by "
                          "weight, 'respond': the route answers itself, or 'receive: "
                          "callbacks': the merchant role's notify_url)");
  } else if (given.size() > 1) {
    map.diagnostics().add(map.where_of(given[1]),
                          "a route has one of cluster, split, respond and receive; "
                          "got both " +
                              std::string(given[0]) + " and " + std::string(given[1]));
  }
  read_sticky(map, route.action.sticky);
  if (!map.has("respond") && !map.has("receive")) {
    read_forward(map, route.action, route.match.kind);
    if (map.has("split") && !map.has("cluster")) read_split(map, route, places);
    return;
  }
  for (std::string_view key : {"timeout", "rewrite_prefix", "idempotent", "idempotent_by"}) {
    if (!map.has(key)) continue;
    map.diagnostics().add(map.where_of(key), "only routes with a cluster have " + std::string(key));
  }
  if (map.has("receive")) {
    map.choice("receive", route.receives_callbacks, {{"callbacks", true}});
    return;
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
  if (!steps.verify_merchant && !steps.sign_merchant) return;
  const std::string_view which = steps.verify_merchant ? "verify: merchant" : "sign: merchant";
  if (map.has("early_data") && steps.early_data == EarlyData::kSafe) {
    map.diagnostics().add(map.where_of("early_data"),
                          "a route with " + std::string(which) +
                              " never serves early data (a replayed signed request could pass "
                              "on another instance, or be signed afresh): remove it or write "
                              "refuse");
  }
  steps.early_data = EarlyData::kRefuse;
}

// Each value names the key material the step uses: verify a merchant's request or the
// platform's reply (or, for a bill download, the file against its hash_value); sign the reply
// as the platform or the request as a merchant.
void read_steps(MapReader& map, steps::RouteSteps& steps) {
  enum class Party { kNone, kMerchant, kPlatform, kBillHash };
  Party verify = Party::kNone;
  Party sign = Party::kNone;
  map.choice("verify", verify,
             {{"merchant", Party::kMerchant},
              {"platform", Party::kPlatform},
              {"bill_hash", Party::kBillHash}});
  map.choice("sign", sign, {{"platform", Party::kPlatform}, {"merchant", Party::kMerchant}});
  steps.verify_merchant = verify == Party::kMerchant;
  steps.verify_platform = verify == Party::kPlatform;
  steps.verify_bill_hash = verify == Party::kBillHash;
  steps.sign_platform = sign == Party::kPlatform;
  steps.sign_merchant = sign == Party::kMerchant;
  map.sequence("encrypt", [&](const YAML::Node& item, const Where& where) {
    auto pointer = read_string(item, where, map.diagnostics());
    if (!pointer) return;
    if (!steps::is_removable_pointer(*pointer)) {
      map.diagnostics().add(where,
                            "expected a JSON pointer like /payer/name, got '" + *pointer + "'");
      return;
    }
    steps.encrypt.push_back(std::move(*pointer));
  });
  if (steps.verify_bill_hash && !steps.sign_merchant) {
    map.diagnostics().add(map.where_of("verify"),
                          "verify: bill_hash is for the merchant role's bill downloads: the route "
                          "needs sign: merchant");
  }
  if (!steps.encrypt.empty() && !steps.sign_merchant) {
    map.diagnostics().add(map.where_of("encrypt"),
                          "only sign: merchant routes encrypt sensitive fields");
  }
  read_early_data(map, steps);
  map.choice("priority", steps.priority,
             {{"core", steps::Priority::kCore},
              {"normal", steps::Priority::kNormal},
              {"low", steps::Priority::kLow}});
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

// One share of canary.steps: "5%" (or 5), above 0 and at most 100 %, in basis points.
std::optional<std::uint32_t> parse_step(const std::string& text) {
  const auto percent = parse_percent(text);
  if (!percent || *percent <= 0 || *percent > 100) return std::nullopt;
  return static_cast<std::uint32_t>(*percent * 100 + 0.5);
}

void read_canary_steps(MapReader& map, canary::CanarySettings& canary) {
  if (!map.has("steps")) return;
  std::vector<std::string> steps;
  map.strings("steps", steps);
  canary.steps.clear();
  for (const std::string& text : steps) {
    const auto step = parse_step(text);
    if (!step || *step == 0 || (!canary.steps.empty() && *step <= canary.steps.back())) {
      map.diagnostics().add(map.where_of("steps"),
                            "expected ascending shares above 0% and at most 100%, like "
                            "[1%, 5%, 20%, 50%, 100%], got '" +
                                text + "'");
      return;
    }
    canary.steps.push_back(*step);
  }
  if (canary.steps.empty()) map.diagnostics().add(map.where_of("steps"), "expected a step");
}

void read_guard(MapReader& map, canary::Guard& guard) {
  std::string ratio;
  map.string("max_error_ratio", ratio);
  if (map.has("max_error_ratio")) {
    const auto percent = parse_percent(ratio);
    if (!percent || *percent < 0 || *percent > 100) {
      map.diagnostics().add(map.where_of("max_error_ratio"),
                            "expected a percentage from 0% to 100%, like 1%, got '" + ratio + "'");
    } else {
      guard.max_error_ratio = *percent / 100;
    }
  }
  map.duration("max_p99", guard.max_p99, {milliseconds{1}, hours{1}});
  map.count("min_requests", guard.min_requests, {1, 100'000'000});
}

// canary: {cluster, version, steps, interval, guard}: the route's cluster is the baseline.
void read_canary(MapReader& map, Route& route, RoutePlaces& places) {
  if (!map.has("canary")) return;
  canary::CanarySettings& canary = route.canary.emplace();
  canary.route = route.name();
  map.mapping("canary", [&](MapReader& fields) {
    fields.require("cluster");
    fields.string("cluster", canary.cluster);
    places.canary = fields.where_of("cluster");
    fields.string("version", canary.version);
    if (fields.has("version") && !core::is_token(canary.version)) {
      fields.diagnostics().add(fields.where_of("version"),
                               "a version is a token like v2, got '" + canary.version + "'");
    }
    read_canary_steps(fields, canary);
    fields.duration("interval", canary.interval, {milliseconds{100}, hours{24}});
    fields.mapping("guard", [&](MapReader& guard) { read_guard(guard, canary.guard); });
  });
  if (canary.version.empty()) canary.version = canary.cluster;
  canary.baseline_version = route.action.cluster;
  if (!map.has("cluster")) {
    map.diagnostics().add(map.where_of("canary"),
                          "a canary runs beside the route's own cluster: it needs 'cluster' "
                          "(the baseline), not split or respond");
  } else if (canary.cluster == route.action.cluster) {
    map.diagnostics().add(places.canary, "the canary cluster is the route's own cluster");
  } else if (canary.version == canary.baseline_version) {
    map.diagnostics().add(map.where_of("canary"), "the canary's version is the baseline's ('" +
                                                      canary.version +
                                                      "'): give it its own 'version'");
  }
}

// compare: {ignore: [/create_time]}: RFC 6901 pointers left out of both JSON bodies.
void read_compare(MapReader& map, std::vector<std::string>& ignore) {
  map.strings("ignore", ignore);
  for (const std::string& pointer : ignore) {
    if (steps::is_removable_pointer(pointer)) continue;
    map.diagnostics().add(map.where_of("ignore"),
                          "expected a JSON pointer to a member or element, like /create_time "
                          "(a '~' only as ~0 or ~1), got '" +
                              pointer + "'");
  }
}

// mirror: {cluster, percent, methods, compare: {ignore}, max_in_flight}: copies of the route's
// requests to a shadow cluster (steps/mirror.h). The cluster is checked by link_routes().
void read_mirror(MapReader& map, Route& route, Where& cluster_place) {
  if (!map.has("mirror")) return;
  if (route.answers_itself())
    map.diagnostics().add(map.where_of("mirror"), "only routes with a cluster mirror");
  steps::MirrorSettings& mirror = route.mirror.emplace();
  map.mapping("mirror", [&](MapReader& fields) {
    fields.require("cluster");
    fields.string("cluster", mirror.cluster);
    cluster_place = fields.where_of("cluster");
    std::string percent = "100%";
    fields.string("percent", percent);
    const auto value = parse_percent(percent);
    if (!value || *value <= 0 || *value > 100) {
      fields.diagnostics().add(
          fields.where_of("percent"),
          "expected a percentage above 0% up to 100%, like 10%, got '" + percent + "'");
    } else {
      mirror.percent = *value;
    }
    read_method_set(fields, mirror.methods);
    for (const std::string_view method : mirror.methods.names()) {
      if (method == "GET" || method == "HEAD" || method == "OPTIONS") continue;
      fields.diagnostics().warn(
          fields.where_of("methods"),
          "mirroring " + std::string(method) +
              " repeats its side effects (a second order or "
              "refund) unless the shadow shares nothing downstream with the primary");
    }
    fields.mapping("compare", [&](MapReader& compare) { read_compare(compare, mirror.ignore); });
    fields.count("max_in_flight", mirror.max_in_flight, {1, 100'000});
  });
}

// degradable: {respond: {...}} or {shed: true}: what the route answers while a core route's
// SLO pages (steps/degrade.h). A core route is what degrade protects, so it cannot be one.
void read_degradable(MapReader& map, const steps::RouteSteps& steps,
                     std::optional<steps::Degradable>& degradable) {
  if (!map.has("degradable")) return;
  if (steps.priority == steps::Priority::kCore) {
    map.diagnostics().add(map.where_of("degradable"),
                          "a priority: core route is never degraded: remove degradable or the "
                          "priority");
  }
  degradable.emplace();
  map.mapping("degradable", [&](MapReader& fields) {
    bool shed = false;
    fields.boolean("shed", shed);
    if (fields.has("respond")) {
      degradable->respond.emplace();
      fields.mapping("respond", [&](MapReader& r) { read_respond(r, *degradable->respond); });
    }
    if (shed == degradable->respond.has_value()) {
      fields.diagnostics().add(fields.where(),
                               "expected either respond: {status, body, content_type} (the "
                               "fallback) or shed: true");
    }
  });
}

// "10%" or "0.5%" of requests, as parts per million.
void read_share(MapReader& map, std::uint32_t& per_million) {
  map.require("percent");
  if (!map.has("percent")) return;
  std::string text;
  map.string("percent", text);
  const auto percent = parse_percent(text);
  if (!percent || !(*percent >= 0 && *percent <= 100)) {
    map.diagnostics().add(map.where_of("percent"),
                          "expected a percentage from 0% to 100%, like 10%, got '" + text + "'");
    return;
  }
  per_million = static_cast<std::uint32_t>(*percent / 100 * steps::FaultInjection::kMillion + 0.5);
}

// fault: {delay: {percent, duration}, abort: {percent, status}, header, trusted_sources}:
// faults injected for drills (steps/inject_fault.h).
void read_fault(MapReader& map, std::optional<steps::FaultInjection>& fault) {
  if (!map.has("fault")) return;
  fault.emplace();
  map.mapping("fault", [&](MapReader& fields) {
    if (fields.has("delay")) {
      auto& delay = fault->delay.emplace();
      fields.mapping("delay", [&](MapReader& d) {
        read_share(d, delay.per_million);
        d.require("duration");
        d.duration("duration", delay.duration, {milliseconds{1}, hours{1}});
      });
    }
    if (fields.has("abort")) {
      auto& abort = fault->abort.emplace();
      fields.mapping("abort", [&](MapReader& a) {
        read_share(a, abort.per_million);
        unsigned status = 503;
        a.count("status", status, {400, 599});
        abort.status = static_cast<int>(status);
      });
    }
    if (!fault->delay && !fault->abort) {
      fields.diagnostics().add(fields.where(), "a fault needs delay, abort or both");
    }
    fields.string("header", fault->header);
    if (fields.has("header") && !core::is_token(fault->header)) {
      fields.diagnostics().add(fields.where_of("header"),
                               "not a valid header name: '" + fault->header + "'");
    }
    read_address_blocks(fields, "trusted_sources", fault->trusted_sources);
    if (fields.has("header") != fields.has("trusted_sources")) {
      fields.diagnostics().add(fields.where_of("trusted_sources"),
                               "header and trusted_sources go together: only requests from a "
                               "trusted source may trigger faults by header");
    }
  });
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

// 10.0.0.0/8, ::1/128, or one address (/32, /128); no bits set past the prefix.
std::optional<steps::AddressBlock> parse_address_block(std::string_view text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return std::nullopt;
  const unsigned bits = address.is_v4() ? 32 : 128;
  unsigned prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (error != std::errc{} || end != digits.data() + digits.size() || prefix > bits) {
      return std::nullopt;
    }
  }
  steps::AddressBlock block;
  block.bytes = address.is_v6()
                    ? address.to_v6().to_bytes()
                    : boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4())
                          .to_bytes();
  block.prefix = prefix + (128 - bits);
  for (unsigned bit = block.prefix; bit < 128; ++bit) {
    if (block.bytes[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
  }
  return block;
}

void read_address_blocks(MapReader& map, std::string_view key,
                         std::vector<steps::AddressBlock>& blocks) {
  std::vector<std::string> written;
  map.strings(key, written);
  for (const std::string& text : written) {
    if (auto block = parse_address_block(text)) {
      blocks.push_back(*block);
    } else {
      map.diagnostics().add(map.where_of(key),
                            "expected an address block like 10.0.0.0/8 or ::1/128 (no bits set "
                            "past the prefix), got '" +
                                text + "'");
    }
  }
}

void read_route(const YAML::Node& node, const Where& where, Document& document,
                Diagnostics& diagnostics) {
  Route route;
  RoutePlaces places{where, where, where, where, where, where, where, {}, where, where};
  read_map(node, where, diagnostics, [&](MapReader& map) {
    read_match(map, route.match);
    read_action(map, route, places);
    read_steps(map, route.steps);
    read_slo(map, route.match.name, route.slo);
    read_canary(map, route, places);
    read_mirror(map, route, places.mirror_cluster);
    if (route.slo) route.slo->core = route.steps.priority == steps::Priority::kCore;
    read_degradable(map, route.steps, route.degradable);
    read_fault(map, route.fault);
    map.string("stress_cluster", route.stress_cluster);
    places.stress_cluster = map.where_of("stress_cluster");
    if (route.answers_itself() && map.has("stress_cluster")) {
      map.diagnostics().add(places.stress_cluster,
                            "a route that answers by itself (respond, receive) has no stress "
                            "cluster");
    }
    places.cluster = map.where_of("cluster");
    places.respond = map.where_of("respond");
    places.receive = map.where_of("receive");
    places.verify = map.where_of("verify");
    places.sign = map.where_of("sign");
  });
  document.routes.push_back(std::move(route));
  document.places.routes.push_back(std::move(places));
}

}  // namespace paygate::config
