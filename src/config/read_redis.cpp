// The redis section: the Redis server the nodes of a cluster share nonces and rate limits on,
// and what requests meet while it cannot answer (steps/shared_admission.h).
#include <variant>

#include "config/endpoint.h"
#include "config/sections.h"

namespace paygate::config {
namespace {

void read_server(MapReader& map, const std::string& directory, redis::Settings& server) {
  using std::chrono::milliseconds;
  map.require("address");
  std::string address;
  map.string("address", address);
  if (map.has("address")) {
    const auto parsed = split_host_port(address);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
      map.diagnostics().add(map.where_of("address"), *error);
    } else {
      server.host = std::get<HostPort>(parsed).host;
      server.port = std::get<HostPort>(parsed).port;
    }
  }
  map.count("database", server.database, {0, 15});
  read_bearer_token(map, directory, server.password, "password");
  map.duration("timeout", server.command_timeout, {milliseconds{1}, milliseconds{10000}});
  map.duration("connect_timeout", server.connect_timeout, {milliseconds{1}, milliseconds{10000}});
}

}  // namespace

void read_redis(MapReader& map, Document& document) {
  steps::SharedAdmissionSettings& redis = document.redis.emplace();
  read_server(map, document.directory, redis.server);
  map.string("key_prefix", redis.key_prefix);
  if (redis.key_prefix.size() > 64) {
    map.diagnostics().add(map.where_of("key_prefix"), "expected at most 64 characters");
  }
  map.mapping("on_failure", [&](MapReader& on_failure) {
    on_failure.choice(
        "nonces", redis.on_nonce_failure,
        {{"fail_closed", steps::NonceFailure::kRefuse}, {"local", steps::NonceFailure::kLocal}});
    on_failure.choice("rate_limits", redis.on_limit_failure,
                      {{"local", steps::LimitFailure::kLocal},
                       {"fail_closed", steps::LimitFailure::kRefuse},
                       {"fail_open", steps::LimitFailure::kAdmit}});
  });
}

}  // namespace paygate::config
