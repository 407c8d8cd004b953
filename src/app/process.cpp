#include "app/process.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "admin/admin_handler.h"
#include "app/periodic.h"
#include "app/platform_certificates.h"
#include "app/worker.h"
#include "canary/controller.h"
#include "config/etcd_load.h"
#include "config/etcd_watch.h"
#include "config/file_watch.h"
#include "config/loader.h"
#include "core/build_info.h"
#include "core/uri_password.h"
#include "credentials/expiry.h"
#include "http/close_connections.h"
#include "http/listener.h"
#include "notify/callback_intake.h"
#include "notify/service.h"
#include "observe/certificate_expiry.h"
#include "observe/degrade.h"
#include "observe/logging.h"
#include "observe/metric_names.h"
#include "observe/slo_monitor.h"

namespace paygate::app {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

#ifdef PAYGATE_IO_URING
constexpr core::IoBackend kBuiltBackend = core::IoBackend::kIoUring;
constexpr const char* kSibling = "paygate";
#else
constexpr core::IoBackend kBuiltBackend = core::IoBackend::kEpoll;
constexpr const char* kSibling = "paygate-uring";
#endif

// Each worker's Redis connection is opened once (app/route_pipelines.cpp): a snapshot that
// adds the section opens one, one that changes the server does not move it.
bool redis_server_changed(const std::optional<steps::SharedAdmissionSettings>& before,
                          const std::optional<steps::SharedAdmissionSettings>& after) {
  if (!before || !after) return false;
  const redis::Settings& a = before->server;
  const redis::Settings& b = after->server;
  return a.host != b.host || a.port != b.port || a.database != b.database ||
         a.password.view() != b.password.view() || a.command_timeout != b.command_timeout ||
         a.connect_timeout != b.connect_timeout;
}

// Addresses and ports are bound once, at start-up; a reload that changes them warns.
bool same_addresses(const std::vector<http::ListenerSettings>& a,
                    const std::vector<http::ListenerSettings>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.address == y.address && x.port == y.port && x.tls.has_value() == y.tls.has_value();
  });
}

// "127.0.0.1:8080, 127.0.0.1:8443 (tls)"
std::string describe_listeners(const std::vector<http::ListenerSettings>& listeners) {
  std::string out;
  for (const auto& listener : listeners) {
    if (!out.empty()) out += ", ";
    out += listener.address + ":" + std::to_string(listener.port);
    if (listener.tls) out += " (tls)";
  }
  return out;
}

// Every certificate of the snapshot with a not_after: the credentials', the merchant role's
// platform keys and the listeners'.
std::vector<observe::CertificateInfo> expiring_certificates(const config::Snapshot& s) {
  auto out = credentials::certificates_of(s.credentials.get());
  if (s.merchant_keys) {
    for (const credentials::MerchantKey& key : s.merchant_keys->platform_keys()) {
      if (key.not_after == std::chrono::sys_seconds{}) continue;  // a bare public key
      out.push_back(
          {std::string(observe::names::kRolePlatformTrust), "", key.serial, key.not_after});
    }
  }
  for (const auto& tls : s.listener_tls) {
    if (!tls) continue;
    for (const auto& served : tls->certificates()) {
      out.push_back(
          {std::string(observe::names::kRoleTls), "", served.serial_hex, served.not_after});
    }
  }
  return out;
}

double millis_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// The replay store reserves address space for its whole capacity (tens of MB at the default),
// resident only as nonces arrive; a gateway without merchants — nothing to verify — keeps a
// token one all the same. A reload resizes it (ReplayGuard::adopt).
constexpr std::size_t kReplayCapacityWithoutMerchants = 1024;

std::size_t replay_capacity(const config::Snapshot& s) {
  return s.credentials ? s.platform.nonce_cache_capacity : kReplayCapacityWithoutMerchants;
}

std::size_t replay_quota(const config::Snapshot& s) {
  return s.credentials ? credentials::nonce_quota(s.platform) : admission::ReplayGuard::kNoQuota;
}

unsigned worker_count(const config::Snapshot& s) {
  if (s.process.workers > 0) return s.process.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

// The outboxes' shards: production's first, then the stress outbox's, then the callbacks'.
std::size_t outbox_shards(const notify::NotifySettings& settings) {
  return settings.enabled ? notify::NotifyService::shard_count(settings) : 0;
}

std::size_t notify_shards(const config::Snapshot& s) {
  return outbox_shards(s.notify) + outbox_shards(s.stress_notify) + outbox_shards(s.callbacks);
}

// What the notification intake diverts to the stress outbox (notify/intake_handler.h).
notify::StressMark stress_mark(const config::Snapshot& s) {
  if (!s.stress) return {};
  return {s.stress->header, s.stress->value};
}

// The routes' SLOs, for the burn-rate monitor.
std::vector<observe::SloSpec> slo_specs(const config::Snapshot& s) {
  std::vector<observe::SloSpec> specs;
  for (const config::Route& route : s.routes) {
    if (route.slo) specs.push_back(*route.slo);
  }
  return specs;
}

// The routes' canaries, for the canary controller.
std::vector<canary::CanarySettings> canary_specs(const config::Snapshot& s) {
  std::vector<canary::CanarySettings> specs;
  for (const config::Route& route : s.routes) {
    if (route.canary) specs.push_back(*route.canary);
  }
  return specs;
}

std::unique_ptr<canary::StateStore> open_state_file(const config::Snapshot& s) {
  if (s.process.state_file.empty()) return nullptr;
  return std::make_unique<canary::StateStore>(s.process.state_file);
}

// Whether degrade has anything to do: without a degradable route no verdict is read, and a
// degrade in progress ends after its hold time.
bool any_degradable(const config::Snapshot& s) {
  return std::any_of(s.routes.begin(), s.routes.end(),
                     [](const config::Route& route) { return route.degradable.has_value(); });
}

asio::ip::tcp::endpoint endpoint_of(const std::string& address, std::uint16_t port) {
  return {asio::ip::make_address(address), port};
}

// Everything the control thread owns while the gateway runs.
class Gateway {
 public:
  // `first`: the first load, its files (config::LoadResult::files) and, for an etcd source, the
  // revisions it was read at.
  Gateway(std::string path, config::SourceLoad first, Clock::time_point t0);
  int run();

 private:
  void start_workers();
  void start_admin();
  void start_notify();
  void start_callbacks();
  void watch_signals();
  void reload(std::string_view cause);
  void on_etcd_document(const std::optional<config::EtcdValue>& document, const std::string& cause);
  void apply_load(config::LoadResult result, config::FileStamps stamps, Clock::time_point started);
  void create_etcd_watch(const config::SourceLoad& first);
  void on_files_changed();
  void rewatch(const std::vector<std::string>& files, bool loaded, config::FileStamps stamps);
  void warn_expiring_certificates();
  void publish_expiry();
  void check_degrade();
  void begin_drain();
  void poll_drain(Clock::time_point deadline);
  std::string config_json();
  std::optional<core::Error> canary_command(std::string_view route, std::string_view command);

  std::string path_;
  std::shared_ptr<const config::Snapshot> current_;
  Clock::time_point t0_;
  observe::Registry registry_;
  observe::EngineMetrics names_;
  observe::AccessLog access_log_;
  // One for the process, not per snapshot: a reload must not forget the nonces already seen.
  admission::ReplayGuard replay_guard_;
  asio::io_context control_{1};
  asio::signal_set signals_{control_, SIGHUP, SIGTERM, SIGINT};
  asio::steady_timer drain_timer_{control_};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> first_request_logged_{false};
  bool draining_ = false;
  http::Watchdog admin_watchdog_{control_.get_executor()};
  std::unique_ptr<admin::AdminHandler> admin_handler_;
  http::ServerLimits admin_limits_;
  std::unique_ptr<http::ConnectionContext> admin_context_;
  std::unique_ptr<http::Listener> admin_listener_;
  std::optional<notify::NotifyMetrics> notify_names_;
  std::optional<notify::NotifyMetrics> stress_notify_names_;
  // Declared before notify_, which diverts stress events into it: destroyed after it.
  std::unique_ptr<notify::NotifyService> stress_notify_;
  std::unique_ptr<notify::NotifyService> notify_;
  // merchant.callbacks: the outbox the receiver routes keep callbacks in, and their way into it.
  std::optional<notify::NotifyMetrics> callbacks_names_;
  std::unique_ptr<notify::NotifyService> callbacks_;
  std::unique_ptr<notify::CallbackIntake> callback_intake_;
  observe::SloMonitor slo_{registry_, names_};
  // One for the process: the canaries' shares and progress outlive reloads.
  canary::Shares canary_shares_;
  canary::Controller canary_;
  Periodic canary_ticks_{control_.get_executor(), canary::Controller::kTick,
                         [this] { canary_.tick(canary::Controller::Clock::now()); }};
  Periodic slo_ticks_{control_.get_executor(), observe::SloMonitor::kTick, [this] { slo_.tick(); }};
  // Read by every worker; the verdicts of core routes decide it once a second, so a degrade
  // starts within a second of a page, not at the next SLO tick.
  observe::DegradeSwitch degrade_;
  Periodic degrade_checks_{control_.get_executor(), std::chrono::seconds(1),
                           [this] { check_degrade(); }};
  observe::CertificateExpiry expiry_{registry_, names_.certificate_expiry};
  // The merchant role's trusted platform keys: configured, and downloaded once a second when due.
  steps::PlatformTrust platform_trust_;
  CertificateDownloads certificate_downloads_{platform_trust_, registry_.control_shard(),
                                              names_.egress_certificate_downloads};
  Periodic certificate_ticks_{control_.get_executor(), std::chrono::seconds(1), [this] {
                                if (certificate_downloads_.tick()) publish_expiry();
                              }};
  Periodic expiry_warnings_{control_.get_executor(), std::chrono::hours(24),
                            [this] { warn_expiring_certificates(); }};
  // The files of the configuration (LoadResult::files) and their stamps taken just before they
  // were last read: a watch event for a file whose stamp did not move (a SIGHUP already loaded
  // it) reloads nothing.
  std::vector<std::string> watched_;
  config::FileStamps stamps_;
  std::unique_ptr<config::FileWatch>
      file_watch_;  // null while `reload.watch` is off or unavailable
  // The etcd source (`--config etcd://...`): null when the configuration is a file.
  std::unique_ptr<config::EtcdWatch> etcd_watch_;
  std::int64_t document_revision_ = 0;  // the etcd revision of the running document
};

Gateway::Gateway(std::string path, config::SourceLoad first, Clock::time_point t0)
    : path_(std::move(path)),
      current_(first.result.snapshot),
      t0_(t0),
      registry_(worker_count(*current_), notify_shards(*current_)),
      names_(observe::declare_engine_metrics(registry_)),
      access_log_(current_->log),
      replay_guard_(replay_capacity(*current_), current_->platform.clock_skew,
                    replay_quota(*current_)),
      canary_(registry_, names_, canary_shares_, open_state_file(*current_)),
      watched_(first.result.files),
      stamps_(config::stamp_files(watched_)) {
  create_etcd_watch(first);
  observe::add_process_collectors(
      registry_, names_, {std::string(core::build_version()), std::string(core::build_revision())},
      std::chrono::system_clock::now());
  observe::add_access_log_collector(registry_, names_, access_log_);
  observe::add_degrade_collector(registry_, names_, degrade_);
  slo_.adopt(slo_specs(*current_));
  canary_.adopt(canary_specs(*current_), canary::Controller::Clock::now());
  certificate_downloads_.adopt(current_);
  publish_expiry();
}

void Gateway::publish_expiry() {
  auto certificates = expiring_certificates(*current_);
  for (auto& downloaded : certificate_downloads_.certificates()) {
    certificates.push_back(std::move(downloaded));
  }
  expiry_.publish(std::move(certificates));
}

void Gateway::start_workers() {
  const std::size_t n = registry_.worker_count();
  for (std::size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(
        current_, registry_.shard(i), names_, access_log_,
        ProcessShared{replay_guard_, canary_shares_, degrade_, platform_trust_,
                      callback_intake_.get()},
        [this] {
          if (!first_request_logged_.exchange(true)) {
            spdlog::info("first request served {:.1f} ms after start", millis_since(t0_));
          }
        }));
  }
  for (auto& w : workers_) w->start();
}

// Before the workers: a store that cannot be opened stops the start, before any traffic.
void Gateway::start_notify() {
  if (!current_->notify.enabled) return;
  if (current_->stress_notify.enabled) {
    const notify::NotifySettings& stress = current_->stress_notify;
    stress_notify_names_.emplace(registry_, notify::Outbox::kStress);
    stress_notify_ = std::make_unique<notify::NotifyService>(
        stress, current_->credentials, registry_, *stress_notify_names_,
        notify::NotifyService::shard_count(current_->notify));
    stress_notify_->start();
    spdlog::info("stress notifications: outbox {}, intake on {}:{}, every event to {}",
                 core::redact_uri_password(stress.store_path), stress.address,
                 stress_notify_->port(), stress.sink);
  }
  notify_names_.emplace(registry_);
  notify_ = std::make_unique<notify::NotifyService>(current_->notify, current_->credentials,
                                                    registry_, *notify_names_, 0,
                                                    stress_mark(*current_), stress_notify_.get());
  notify_->start();
  spdlog::info("notifications: outbox {}, intake on {}:{}",
               core::redact_uri_password(current_->notify.store_path), current_->notify.address,
               notify_->port());
}

// Before the workers, like start_notify(): their receiver routes keep callbacks in it.
void Gateway::start_callbacks() {
  const notify::NotifySettings& settings = current_->callbacks;
  if (!settings.enabled) return;
  callbacks_names_.emplace(registry_, notify::Outbox::kCallbacks);
  callbacks_ = std::make_unique<notify::NotifyService>(
      settings, nullptr, registry_, *callbacks_names_,
      outbox_shards(current_->notify) + outbox_shards(current_->stress_notify));
  callback_intake_ =
      std::make_unique<notify::CallbackIntake>(callbacks_->committer(), settings.forward_to);
  callbacks_->start();
  spdlog::info("callbacks: outbox {}, forwarded to {}, admin on {}:{}",
               core::redact_uri_password(settings.store_path), settings.forward_to,
               settings.address, callbacks_->port());
}

void Gateway::start_admin() {
  admin_handler_ = std::make_unique<admin::AdminHandler>(admin::AdminSources{
      registry_, [this] { return ready_.load(); }, [this] { return config_json(); },
      [this] { return current_->admin.profiling; }, [this] { return slo_.json(); },
      [this] { return canary_.json(canary::Controller::Clock::now()); },
      [this](std::string_view route, std::string_view command) {
        return canary_command(route, command);
      },
      // The running snapshot's: a reload changes the token at once.
      [this] { return current_->admin.token.view(); }});
  admin_context_ = std::make_unique<http::ConnectionContext>(
      http::ConnectionContext{admin_watchdog_, *admin_handler_, &admin_limits_});
  admin_listener_ = std::make_unique<http::Listener>(
      control_.get_executor(), endpoint_of(current_->admin.address, current_->admin.port),
      *admin_context_);
  admin_watchdog_.start();
  asio::co_spawn(control_, admin_listener_->accept_loop(), asio::detached);
}

// An etcd source also shows the revision of the running document.
std::string Gateway::config_json() {
  std::string json = config::to_json(*current_);
  if (!etcd_watch_) return json;
  boost::json::value out = boost::json::parse(json);
  out.as_object()["revision"] = document_revision_;
  return boost::json::serialize(out);
}

// Created here, started by run(): the documents it hands over need the workers running.
void Gateway::create_etcd_watch(const config::SourceLoad& first) {
  if (!config::is_etcd_url(path_)) return;
  document_revision_ = first.document_revision;
  etcd_watch_ = std::make_unique<config::EtcdWatch>(
      control_.get_executor(), *config::parse_etcd_url(path_).url, first.store_revision,
      first.document_revision,
      [this](const auto& document, const std::string& cause) { on_etcd_document(document, cause); },
      [this] { registry_.control_shard().counter(names_.config_watch_reconnects, {})->inc(); });
}

std::optional<core::Error> Gateway::canary_command(std::string_view route,
                                                   std::string_view command) {
  const auto parsed = canary::parse_command(command);
  if (!parsed) {
    return core::Error{core::ErrorKind::kNotFound, "unknown command '" + std::string(command) +
                                                       "': pause, resume, promote or abort"};
  }
  return canary_.command(route, *parsed, canary::Controller::Clock::now());
}

void Gateway::watch_signals() {
  signals_.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload("SIGHUP");
      watch_signals();
    } else {
      begin_drain();
    }
  });
}

// From etcd the read is asynchronous: the watch hands the document to on_etcd_document().
void Gateway::reload(std::string_view cause) {
  if (etcd_watch_) {
    etcd_watch_->reread(std::string(cause));
    return;
  }
  const auto started = Clock::now();
  spdlog::info("reloading {} ({})", path_, cause);
  // Stamped before reading, so a file rewritten during the load differs from its stamp and the
  // watcher loads it again.
  config::FileStamps stamps = config::stamp_files(watched_);
  apply_load(config::load_file(path_, current_->generation + 1), std::move(stamps), started);
}

void Gateway::on_etcd_document(const std::optional<config::EtcdValue>& document,
                               const std::string& cause) {
  if (draining_) return;
  const auto started = Clock::now();
  spdlog::info("reloading {} ({})", path_, cause);
  config::FileStamps stamps = config::stamp_files(watched_);
  config::LoadResult result =
      config::load_etcd_document(etcd_watch_->url(), document, current_->generation + 1);
  const bool loaded = result.snapshot != nullptr;
  apply_load(std::move(result), std::move(stamps), started);
  if (loaded) document_revision_ = document->mod_revision;
}

// A load, from a file or etcd: applied atomically, or every error logged and the running
// snapshot kept.
void Gateway::apply_load(config::LoadResult result, config::FileStamps stamps,
                         Clock::time_point started) {
  for (const auto& w : result.warnings) spdlog::warn("{}", config::to_string(w));
  if (!result.snapshot) {
    for (const auto& e : result.errors) spdlog::error("reload rejected: {}", config::to_string(e));
    registry_.control_shard().counter(names_.config_reloads, {observe::names::kReloadFailure})->inc();
    rewatch(result.files, false, std::move(stamps));
    return;
  }
  const auto& next = *result.snapshot;
  if (!same_addresses(next.listeners, current_->listeners) ||
      next.admin.port != current_->admin.port ||
      next.process.workers != current_->process.workers) {
    spdlog::warn("reload: listener, admin and workers changes take effect only after a restart");
  }
  if (next.notify.enabled != current_->notify.enabled ||
      next.notify.store_path != current_->notify.store_path ||
      next.notify.store_schema != current_->notify.store_schema ||
      next.notify.port != current_->notify.port ||
      next.stress_notify.enabled != current_->stress_notify.enabled ||
      next.stress_notify.store_path != current_->stress_notify.store_path ||
      next.stress_notify.store_schema != current_->stress_notify.store_schema ||
      next.stress_notify.port != current_->stress_notify.port ||
      next.stress_notify.sink != current_->stress_notify.sink ||
      next.callbacks.enabled != current_->callbacks.enabled ||
      next.callbacks.store_path != current_->callbacks.store_path ||
      next.callbacks.store_schema != current_->callbacks.store_schema ||
      next.callbacks.port != current_->callbacks.port ||
      next.callbacks.forward_to != current_->callbacks.forward_to) {
    spdlog::warn(
        "reload: notifications, stress.notifications and merchant.callbacks changes take "
        "effect only after a restart (merchants, keys and the stress header are reloaded)");
  }
  if (redis_server_changed(current_->redis, next.redis)) {
    spdlog::warn(
        "reload: the redis address, database, password and timeouts take effect only after a "
        "restart (key_prefix and on_failure are reloaded)");
  }
  // Merchants keep their rate-limit state across the reload (admission/rate_limiter.h).
  if (next.rate_limiter && current_->rate_limiter) {
    next.rate_limiter->carry_over(*current_->rate_limiter);
  }
  // Before any worker verifies with the new clock_skew: the store must already remember nonces
  // for the new window.
  replay_guard_.adopt(replay_capacity(next), next.platform.clock_skew, replay_quota(next));
  current_ = result.snapshot;
  // Before the workers take the snapshot: its platform keys are trusted by the time they verify.
  certificate_downloads_.adopt(current_);
  // A level set through admin (/log/level) lasts until here. The log outputs themselves and
  // their rotation change only at a restart.
  observe::set_log_level(current_->log.level);
  access_log_.set_sample(current_->log.access_log_sample);
  for (auto& w : workers_) w->post_adopt(current_);
  slo_.adopt(slo_specs(*current_));
  canary_.adopt(canary_specs(*current_), canary::Controller::Clock::now());
  if (notify_) notify_->adopt(current_->credentials, stress_mark(*current_));
  if (stress_notify_) stress_notify_->adopt(current_->credentials);
  publish_expiry();
  registry_.control_shard().counter(names_.config_reloads, {observe::names::kReloadSuccess})->inc();
  spdlog::info("config generation {} loaded from {} in {:.1f} ms", current_->generation, path_,
               millis_since(started));
  rewatch(result.files, true, std::move(stamps));
}

// A watch event: reload only if a file really differs from what the last load read.
void Gateway::on_files_changed() {
  if (draining_) return;
  const config::FileStamps now = config::stamp_files(watched_);
  for (const auto& [file, stamp] : now) {
    const auto before = stamps_.find(file);
    if (before != stamps_.end() && before->second == stamp) continue;
    reload(file + " changed");
    return;
  }
  spdlog::debug("file watch: nothing changed since the last load");
}

// After a load, watch what it was made of; after a failed one, also keep watching the files
// of the running snapshot, so that fixing either retries.
void Gateway::rewatch(const std::vector<std::string>& files, bool loaded,
                      config::FileStamps stamps) {
  std::vector<std::string> next = loaded ? std::vector<std::string>{} : watched_;
  if (!etcd_watch_) next.push_back(path_);  // an etcd key is watched by etcd_watch_
  next.insert(next.end(), files.begin(), files.end());
  std::sort(next.begin(), next.end());
  next.erase(std::unique(next.begin(), next.end()), next.end());
  watched_ = std::move(next);
  std::vector<std::string> unstamped;
  for (const auto& file : watched_) {
    if (!stamps.contains(file)) unstamped.push_back(file);
  }
  stamps.merge(config::stamp_files(unstamped));
  stamps_ = std::move(stamps);

  if (!current_->process.watch_files) {
    if (file_watch_) file_watch_->watch({});
    return;
  }
  if (!file_watch_) {
    try {
      file_watch_ = std::make_unique<config::FileWatch>(control_.get_executor(),
                                                        current_->process.watch_debounce,
                                                        [this] { on_files_changed(); });
    } catch (const std::system_error& e) {
      spdlog::warn("file watch unavailable ({}): reload with SIGHUP", e.what());
      return;
    }
  }
  file_watch_->set_debounce(current_->process.watch_debounce);
  for (const auto& problem : file_watch_->watch(watched_)) spdlog::warn("file watch: {}", problem);
}

void Gateway::warn_expiring_certificates() {
  expiry_.warn_expiring(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()),
      current_->platform.certificate_expiry_warning);
}

void Gateway::check_degrade() {
  using Change = observe::DegradeSwitch::Change;
  const auto recover_after = current_->process.degrade_recover_after;
  const auto hold_seconds = std::chrono::ceil<std::chrono::seconds>(recover_after).count();
  const std::string paging = any_degradable(*current_) ? slo_.paging_core_route() : "";
  const Change change = degrade_.update(Clock::now(), paging, recover_after);
  if (change == Change::kStarted) {
    spdlog::warn("degrade started: core route {} pages; degradable routes answer their fallback "
                 "until no core route has paged for {} s",
                 degrade_.cause(), hold_seconds);
  } else if (change == Change::kEnded) {
    spdlog::info("degrade ended: no core route has paged for {} s (the last was {})",
                 hold_seconds, degrade_.cause());
  }
}

void Gateway::begin_drain() {
  if (draining_) return;
  draining_ = true;
  ready_ = false;
  if (etcd_watch_) etcd_watch_->stop();
  spdlog::info("draining: no new connections, finishing in-flight requests (up to {} ms)",
               current_->process.drain_timeout.count());
  for (auto& w : workers_) w->post_drain();
  poll_drain(Clock::now() + current_->process.drain_timeout);
}

void Gateway::poll_drain(Clock::time_point deadline) {
  // A worker counts its connections exactly, but only after its listener is closed can that
  // count no longer grow: until then a request accepted a moment ago would be cut off.
  std::size_t open = 0;
  bool all_closed = true;
  for (auto& w : workers_) {
    all_closed = all_closed && w->drain_started();
    open += w->connections();
  }
  if ((open == 0 && all_closed) || Clock::now() >= deadline) {
    if (open > 0) spdlog::warn("drain deadline passed with {} connections open", open);
    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
    if (notify_) notify_->stop();
    if (stress_notify_) stress_notify_->stop();  // after production's, which diverts into it
    if (callbacks_) callbacks_->stop();  // after the workers: no receiver keeps callbacks now
    admin_listener_->close();
    admin_watchdog_.stop();
    slo_ticks_.stop();
    canary_ticks_.stop();
    degrade_checks_.stop();
    certificate_ticks_.stop();
    expiry_warnings_.stop();
    control_.stop();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(60));  // > one watchdog tick
  drain_timer_.async_wait([this, deadline](boost::system::error_code ec) {
    if (!ec) poll_drain(deadline);
  });
}

int Gateway::run() {
  start_notify();
  start_callbacks();
  start_workers();
  start_admin();
  slo_.start();
  slo_ticks_.start();
  canary_ticks_.start();
  degrade_checks_.start();
  certificate_ticks_.start();
  watch_signals();
  rewatch(watched_, true, std::move(stamps_));
  if (etcd_watch_) etcd_watch_->start();
  expiry_warnings_.start();
  ready_ = true;
  spdlog::info("paygate {} listening on {} ({} workers, {}), admin on {}:{}, ready in {:.1f} ms",
               core::build_version(), describe_listeners(current_->listeners), workers_.size(),
               kBuiltBackend == core::IoBackend::kIoUring ? "io_uring" : "epoll",
               current_->admin.address, current_->admin.port, millis_since(t0_));
  control_.run();
  // Admin connections are not drained (readyz answers through the drain) and may still be open,
  // a scraper's keep-alive connection for one: their frames refer to the admin handler, watchdog
  // and context, which go before control_ does, so they end here first; a CPU profile being
  // taken waits on a timer that closing its socket does not cancel, so it is ended first.
  admin_handler_->shutdown();
  if (const auto left = http::close_connections(control_, admin_watchdog_); left > 0) {
    spdlog::error("{} admin connections did not close", left);
  }
  spdlog::info("stopped");
  access_log_.shutdown();
  return 0;
}


// Replaces this process with the binary built for the other backend, next to this one.
int exec_sibling(char** argv) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string path = (self.parent_path() / kSibling).string();
  ::execv(path.c_str(), argv);
  std::cerr << "io_backend needs " << path << ": " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace

int run_gateway(const std::string& config_path, char** argv) {
  const auto t0 = Clock::now();
  // An etcd source that cannot be read within kEtcdRequestTimeout fails the start like a bad file.
  config::SourceLoad first = config::load_source(config_path, 1);
  const config::LoadResult& result = first.result;
  if (!result.snapshot) {
    for (const auto& e : result.errors) std::cerr << config::to_string(e) << "\n";
    return 2;
  }
  if (result.snapshot->process.io_backend != kBuiltBackend) return exec_sibling(argv);
  try {
    observe::init_logging(result.snapshot->log);
    for (const auto& w : result.warnings) spdlog::warn("{}", config::to_string(w));
    Gateway gateway(config_path, std::move(first), t0);
    const int code = gateway.run();
    observe::shutdown_logging();
    return code;
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    observe::shutdown_logging();
    return 1;
  }
}

}  // namespace paygate::app
