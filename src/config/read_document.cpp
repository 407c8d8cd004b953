// The top level of the file: process fields and one reader per section.
#include "config/sections.h"

namespace paygate::config {
namespace {

// `listener:` is the one-listener shorthand of `listeners:`; without either, one cleartext
// listener with the defaults.
void read_listeners(MapReader& map, Document& document) {
  auto read_one = [&document](MapReader& listener) {
    const bool first = document.listeners.empty();
    document.listeners.emplace_back();
    document.places.listeners.emplace_back();
    document.places.listener_tls.emplace_back();
    read_listener(listener, document.directory, first, document.listeners.back(),
                  document.places.listeners.back(), document.places.listener_tls.back());
  };
  if (map.has("listener") && map.has("listeners")) {
    map.diagnostics().add(map.where_of("listeners"),
                          "expected either listener (one listener) or listeners (a list), "
                          "not both");
    return;
  }
  map.mapping("listener", read_one);
  map.sequence("listeners", [&](const YAML::Node& item, const Where& where) {
    read_map(item, where, map.diagnostics(), read_one);
  });
  if (map.has("listeners") && document.listeners.empty()) {
    map.diagnostics().add(map.where_of("listeners"), "expected at least one listener");
  }
  if (document.listeners.empty()) {
    document.listeners.emplace_back();
    document.places.listeners.emplace_back(map.where_of("listener"));
    document.places.listener_tls.emplace_back();
  }
}

}  // namespace

void read_document(const YAML::Node& root, Document& document, Diagnostics& diagnostics) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  read_map(root, Where{}, diagnostics, [&](MapReader& map) {
    map.count("workers", document.process.workers, {0, 1024});
    map.duration("drain_timeout", document.process.drain_timeout, {milliseconds{0}, hours{1}});
    map.choice("io_backend", document.process.io_backend,
               {{"epoll", core::IoBackend::kEpoll}, {"io_uring", core::IoBackend::kIoUring}});
    map.string("state_file", document.process.state_file);
    if (map.has("state_file")) {
      document.process.state_file = resolve_path(document.directory, document.process.state_file);
      document.places.state_file = map.where_of("state_file");
    }
    read_listeners(map, document);
    map.mapping("admin", [&](MapReader& admin) {
      read_admin(admin, document.directory, document.admin, document.places.admin);
    });
    map.mapping("log", [&](MapReader& log) { read_log(log, document.log); });
    map.mapping("reload", [&](MapReader& reload) {
      reload.boolean("watch", document.process.watch_files);
      reload.duration("debounce", document.process.watch_debounce,
                      {milliseconds{10}, std::chrono::seconds{10}});
    });
    map.mapping("degrade", [&](MapReader& degrade) {
      degrade.duration("recover_after", document.process.degrade_recover_after,
                       {std::chrono::seconds{1}, hours{1}});
    });
    map.mapping("platform", [&](MapReader& platform) { read_platform(platform, document); });
    map.mapping("notifications", [&](MapReader& notifications) {
      read_notifications(notifications, document);
    });
    map.mapping("merchant", [&](MapReader& role) { read_merchant_role(role, document); });
    map.sequence("merchants", [&](const YAML::Node& item, const Where& where) {
      read_merchant(item, where, document, diagnostics);
    });
    map.sequence("clusters", [&](const YAML::Node& item, const Where& where) {
      read_cluster(item, where, document, diagnostics);
    });
    map.sequence("routes", [&](const YAML::Node& item, const Where& where) {
      read_route(item, where, document, diagnostics);
    });
    map.mapping("stress", [&](MapReader& stress) { read_stress(stress, document); });
    map.mapping("redis", [&](MapReader& redis) { read_redis(redis, document); });
  });
}

}  // namespace paygate::config
