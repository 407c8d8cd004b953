#include "config/snapshot_builder.h"

#include <utility>
#include <vector>

#include "admission/local_rate_limiter.h"

namespace paygate::config {

std::shared_ptr<const Snapshot> build_snapshot(Document document, std::string source_path,
                                               std::uint64_t generation,
                                               Diagnostics& diagnostics) {
  std::vector<router::BuildError> errors;
  std::vector<router::RouteSpec> specs;
  for (const Route& route : document.routes) specs.push_back(route.match);
  auto table = router::RouteTable::build(std::move(specs), errors);
  for (const auto& error : errors) {
    const bool known = error.route < document.places.routes.size();
    diagnostics.add(known ? document.places.routes[error.route].route : Where{0, 0, "routes"},
                    error.message);
  }
  if (!table || !errors.empty()) return nullptr;

  auto snapshot = std::make_shared<Snapshot>();
  snapshot->source_path = std::move(source_path);
  snapshot->generation = generation;
  snapshot->process = document.process;
  snapshot->listeners = std::move(document.listeners);
  snapshot->listener_tls = std::move(document.listener_tls);
  snapshot->admin = std::move(document.admin);
  snapshot->log = std::move(document.log);
  snapshot->clusters = std::move(document.clusters);
  snapshot->routes = std::move(document.routes);
  snapshot->merchants = std::move(document.merchants);
  snapshot->platform = std::move(document.platform);
  snapshot->notify = std::move(document.notify);
  snapshot->stress = std::move(document.stress);
  snapshot->stress_notify = std::move(document.stress_notify);
  snapshot->redis = std::move(document.redis);
  snapshot->callbacks = std::move(document.callbacks);
  snapshot->credentials = std::move(document.credentials);
  snapshot->merchant_keys = std::move(document.merchant_keys);
  if (snapshot->credentials) {
    snapshot->rate_limiter = admission::LocalRateLimiter::for_credentials(
        *snapshot->credentials, snapshot->merchants, snapshot->platform);
  }
  snapshot->table = std::move(table);
  return snapshot;
}

}  // namespace paygate::config
