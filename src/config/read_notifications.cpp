// The notifications section: the outbox, the internal intake listener, and how deliveries are
// retried. Its presence turns the notification path on.

#include <algorithm>
#include <charconv>

#include "config/sections.h"
#include "config/units.h"
#include "core/uri_password.h"
#include "notify/libpq.h"

namespace paygate::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kMaxScheduleSteps = 100;
constexpr std::uint16_t kCallbacksAdminPort = 9903;
constexpr hours kPlatformRetrySpan{25};

// The callbacks outbox's forwarding schedule: quick at first (the app is near, and a restart of it
// takes seconds), then backing off to hours; about 22 hours in all.
std::vector<seconds> callbacks_schedule() {
  using std::chrono::minutes;
  return {seconds{1}, seconds{2},  seconds{5},  seconds{15}, seconds{30}, minutes{1}, minutes{2},
          minutes{5}, minutes{10}, minutes{30}, hours{1},    hours{2},    hours{6},   hours{12}};
}

void read_schedule(MapReader& map, std::vector<seconds>& schedule) {
  if (!map.has("schedule")) return;
  std::vector<seconds> read;
  bool ok = true;
  map.sequence("schedule", [&](const YAML::Node& item, const Where& where) {
    auto text = read_string(item, where, map.diagnostics());
    auto value = text ? parse_duration(*text) : std::nullopt;
    if (!value || *value < seconds{1} || *value % seconds{1} != milliseconds{0} ||
        *value > hours{24 * 7}) {
      if (text) map.diagnostics().add(where, "expected whole seconds from 1s to 168h, got '" + *text + "'");
      ok = false;
      return;
    }
    read.push_back(std::chrono::duration_cast<seconds>(*value));
  });
  if (read.empty() || read.size() > kMaxScheduleSteps) {
    if (ok) map.diagnostics().add(map.where_of("schedule"), "expected 1 to 100 delays");
    return;
  }
  if (ok) schedule = std::move(read);
}

// Each port of a (possibly multi-host) port list: libpq checks them only when it connects.
bool are_ports(std::string_view ports) {
  while (true) {
    const auto comma = ports.find(',');
    const auto port = ports.substr(0, comma);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!port.empty() &&
        (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)) {
      return false;
    }
    if (comma == std::string_view::npos) return true;
    ports.remove_prefix(comma + 1);
  }
}

// libpq's own parser judges the URI, so `paygate check` refuses what the server connection
// would; nothing connects here. Its message never contains the password (only its position).
void check_postgres_uri(MapReader& map, const std::string& uri) {
  const std::string expected =
      "expected a PostgreSQL connection URI (postgresql://user@host:port/db?...): ";
  const notify::Libpq* pq = nullptr;
  try {
    pq = &notify::libpq();
  } catch (const notify::LibpqUnavailable& missing) {
    map.diagnostics().add(map.where_of("store"),
                          std::string("a postgresql:// store needs libpq: ") + missing.what());
    return;
  }
  char* error = nullptr;
  PQconninfoOption* options = pq->PQconninfoParse(uri.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    pq->PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    map.diagnostics().add(map.where_of("store"), expected + message);
    return;
  }
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "port" && o->val != nullptr && !are_ports(o->val)) {
      map.diagnostics().add(map.where_of("store"), expected + "invalid port '" + o->val + "'");
    }
  }
  pq->PQconninfoFree(options);
}

// A schema name is spliced into SQL: only plain lower-case identifiers are allowed.
bool is_schema_name(std::string_view name) {
  if (name.empty() || name.size() > 63 || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

void read_store(MapReader& map, const std::string& directory, notify::NotifySettings& n,
                const std::string& default_schema) {
  map.require("store");
  map.string("store", n.store_path);
  n.store_schema = default_schema;
  map.string("store_schema", n.store_schema);
  if (!core::is_postgres_uri(n.store_path)) {
    n.store_path = resolve_path(directory, n.store_path);
    if (map.has("store_schema")) {
      map.diagnostics().add(map.where_of("store_schema"),
                            "only for a PostgreSQL store (store: postgresql://...)");
    }
    return;
  }
  check_postgres_uri(map, n.store_path);
  if (!is_schema_name(n.store_schema)) {
    map.diagnostics().add(map.where_of("store_schema"),
                          "expected a schema name of 1 to 63 characters a-z, 0-9 and _, not "
                          "starting with a digit, got '" +
                              n.store_schema + "'");
  }
}

bool is_notify_url(std::string_view url) {
  const bool http = url.starts_with("http://") || url.starts_with("https://");
  return http && url.find_first_of("?# ") == std::string_view::npos;
}

namespace {

// The keys every outbox has: its store, its internal listener and how deliveries are attempted.
void read_outbox(MapReader& map, const std::string& directory, notify::NotifySettings& n,
                 const std::string& default_schema) {
  n.enabled = true;
  read_store(map, directory, n, default_schema);
  std::size_t max_store = 0;
  map.size("max_store_size", max_store, {0, std::size_t{1} << 50});
  if (max_store != 0 && max_store < kMiB) {
    map.diagnostics().add(map.where_of("max_store_size"), "must be 0 (unbounded) or at least 1MiB");
  }
  n.max_store_bytes = max_store;
  map.string("address", n.address);
  if (map.has("address")) check_ip_address(map, "address", n.address);
  map.count("port", n.port, {0, 65535});
  read_bearer_token(map, directory, n.token);
  require_token_off_loopback(map, n.address);
  map.size("max_body", n.max_body_bytes, {1024, 16 * kMiB});
  read_schedule(map, n.schedule);
  unsigned jitter_percent = static_cast<unsigned>(n.jitter * 100);
  map.count("jitter_percent", jitter_percent, {0, 100});
  n.jitter = jitter_percent / 100.0;
  map.duration("attempt_timeout", n.attempt_timeout, {milliseconds{10}, hours{1}});
  map.duration("lease", n.lease, {seconds{1}, hours{24}});
  if (n.lease <= n.attempt_timeout) {
    map.diagnostics().add(map.where_of("lease"), "must be longer than attempt_timeout");
  }
  map.count("dispatchers", n.dispatchers, {0, 64});
  map.count("merchant_concurrency", n.merchant_concurrency, {1, 10'000});
  map.count("host_connections", n.host_connections, {1, 10'000});
  map.string("ca_file", n.ca_file);
  n.ca_file = resolve_path(directory, n.ca_file);
  map.duration("retention", n.retention, {seconds{1}, hours{24 * 3650}});
  map.duration("dead_letter_retention", n.dead_letter_retention, {seconds{1}, hours{24 * 3650}});
}

}  // namespace

void read_notifications(MapReader& map, Document& document) {
  document.places.notifications = map.where();
  read_outbox(map, document.directory, document.notify, "paygate_notifications");
}

// merchant.callbacks: the outbox of the callbacks a `receive: callbacks` route takes in, and the
// app they are forwarded to. Its own defaults: the app is near, so retries start sooner than the
// platform's; a repeat is recognised for as long as delivered events are kept, which must cover
// the platform's whole retry span.
void read_callbacks(MapReader& map, Document& document) {
  notify::NotifySettings& c = document.callbacks;
  document.places.callbacks = map.where();
  c.form = notify::DeliveryForm::kPlain;
  c.port = kCallbacksAdminPort;
  c.schedule = callbacks_schedule();
  read_outbox(map, document.directory, c, "paygate_callbacks");
  map.require("forward_to");
  map.string("forward_to", c.forward_to);
  if (map.has("forward_to") && !is_notify_url(c.forward_to)) {
    map.diagnostics().add(map.where_of("forward_to"),
                          "expected an http:// or https:// URL without query or fragment, got '" +
                              c.forward_to + "'");
  }
  read_bearer_token(map, document.directory, c.forward_token, "forward_token");
  if (c.retention < kPlatformRetrySpan) {
    map.diagnostics().add(map.where_of("retention"),
                          "must be at least 25h: the platform retries a callback for about 24 "
                          "hours, and a repeat that comes after its event was forgotten would "
                          "reach the app twice");
  }
}

}  // namespace paygate::config
