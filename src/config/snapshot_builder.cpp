#include "config/snapshot_builder.h"

#include <utility>
#include <vector>

#include "admission/local_rate_limiter.h"

namespace paygate::config {

std::shared_ptr<const Snapshot> build_snapshot(Document document, std::string source_path,
                                               std::uint64_t generation,
                                               Diagnostics& diagnostics) {
  std::vector<router::BuildError> errors;
  auto table = router::RouteTable::build(document.routes, errors);
  for (const auto& error : errors) {
    const bool known = error.route < document.places.routes.size();
    diagnostics.add(known ? document.places.routes[error.route] : Where{0, 0, "routes"},
                    error.message);
  }
  if (!table || !errors.empty()) return nullptr;

  auto snapshot = std::make_shared<Snapshot>();
  snapshot->source_path = std::move(source_path);
  snapshot->generation = generation;
  snapshot->process = document.process;
  snapshot->listener = std::move(document.listener);
  snapshot->admin = std::move(document.admin);
  snapshot->log = std::move(document.log);
  snapshot->clusters = std::move(document.clusters);
  snapshot->routes = std::move(document.routes);
  snapshot->actions = std::move(document.actions);
  snapshot->route_cluster = std::move(document.route_cluster);
  snapshot->route_steps = std::move(document.route_steps);
  snapshot->route_slos = std::move(document.route_slos);
  snapshot->merchants = std::move(document.merchants);
  snapshot->platform = std::move(document.platform);
  snapshot->notify = std::move(document.notify);
  snapshot->credentials = std::move(document.credentials);
  if (snapshot->credentials) {
    snapshot->rate_limiter = admission::LocalRateLimiter::for_credentials(
        *snapshot->credentials, snapshot->merchants, snapshot->platform);
  }
  snapshot->table = std::move(table);
  return snapshot;
}

}  // namespace paygate::config
