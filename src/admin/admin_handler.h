#pragma once
// AdminHandler: the admin listener's endpoints, served on the control thread.
//   GET /healthz  200 while the process runs
//   GET /readyz   200 when serving, 503 while starting or draining
//   GET /metrics  Prometheus text exposition of every metric
//   GET /config   the running configuration as JSON, secrets redacted
//   GET /slo      the routes' SLOs and their burn rates per window (observe/slo_monitor.h)
//   GET /canary   every route's canary: phase, step, share, why, the last guard figures
//   POST /canary/{route}/pause|resume|promote|abort   an operator's command; 200 with the
//                 canaries as GET shows them, 422 when it does not apply to the canary's phase,
//                 404 for a route without a canary or an unknown command
//   GET /log/level              {"level":"info"}: the process log level now
//   PUT (or POST) /log/level    body {"level":"debug"}: sets it at once, answers as GET; an
//                 unknown level is a 400 naming the allowed ones. A reload (SIGHUP) sets
//                 log.level from the file again.
//   GET /debug/pprof/profile?seconds=N   a CPU profile of the next N s (1-300, default 30)
//   GET /debug/pprof/heap                the current tcmalloc heap sample
//                 (both only with `admin.profiling: true`, else 404; admin/profiler.h)
//                 A CPU profile is cut short, and refused from then on, by shutdown().
// Anything else is a WeChat Pay style JSON 404 (or 405 for another method). With a token
// configured (admin.token_env / token_file), every request without `Authorization: Bearer
// <token>` is a JSON 401 first (compared in constant time). Every request is logged at debug
// level once answered.

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "admin/profiler.h"
#include "core/error.h"
#include "http/exchange.h"
#include "observe/registry.h"

namespace paygate::admin {

struct AdminSources {
  const observe::Registry& metrics;
  std::function<bool()> ready;
  std::function<std::string()> config_json;
  std::function<bool()> profiling_enabled = [] { return false; };
  std::function<std::string()> slo_json = [] { return std::string(R"({"routes":[]})"); };
  std::function<std::string()> canary_json = [] { return std::string(R"({"canaries":[]})"); };
  // An operator's command to a route's canary ("pause", "resume", "promote", "abort"); an
  // error message when it cannot be carried out.
  std::function<std::optional<core::Error>(std::string_view route, std::string_view command)>
      canary_command = [](std::string_view, std::string_view) {
        return std::optional<core::Error>(core::Error{core::ErrorKind::kNotFound, "no canaries"});
      };
  // The bearer token every request must present (admin.token of the running configuration);
  // empty = none asked.
  std::function<std::string_view()> token = [] { return std::string_view{}; };
};

class AdminHandler final : public http::Handler {
 public:
  explicit AdminHandler(AdminSources sources) : sources_(std::move(sources)) {}
  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  void on_refused(const http::Exchange& exchange, std::string_view reason) override;

  // Ends the waits of requests in progress: the CPU profile being taken stops (its answer is a
  // 503). Called when the process stops, before its admin connections are closed: closing
  // their sockets does not end a wait on a timer, and the handler goes soon after.
  void shutdown();

 private:
  bool authorized(const http::Exchange& exchange) const;
  boost::asio::awaitable<void> answer(http::Exchange& exchange);
  boost::asio::awaitable<void> change_log_level(http::Exchange& exchange);
  boost::asio::awaitable<void> canary_command(http::Exchange& exchange, std::string_view route,
                                              std::string_view command);
  boost::asio::awaitable<void> cpu_profile(http::Exchange& exchange);
  boost::asio::awaitable<void> heap_profile(http::Exchange& exchange);

  AdminSources sources_;
  Profiler profiler_;
  boost::asio::steady_timer* profile_wait_ = nullptr;  // while a CPU profile is being taken
  bool shut_down_ = false;
};

}  // namespace paygate::admin
