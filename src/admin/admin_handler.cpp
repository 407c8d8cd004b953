#include "admin/admin_handler.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <optional>
#include <utility>

#include "crypto/compare.h"
#include "observe/logging.h"

namespace paygate::admin {

namespace {
namespace asio = boost::asio;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kPrometheus = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kProfile = "application/octet-stream";
constexpr int kDefaultProfileSeconds = 30;
constexpr int kMaxProfileSeconds = 300;

constexpr std::string_view kLogLevelPath = "/log/level";

constexpr std::string_view kCanaryPath = "/canary";

// "/canary/{route}/{command}": the route and the command, or nothing.
std::optional<std::pair<std::string_view, std::string_view>> canary_command_of(
    std::string_view path) {
  if (!path.starts_with(kCanaryPath) || path.size() <= kCanaryPath.size() ||
      path[kCanaryPath.size()] != '/') {
    return std::nullopt;
  }
  const std::string_view rest = path.substr(kCanaryPath.size() + 1);
  const auto slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return std::nullopt;
  }
  return std::pair{rest.substr(0, slash), rest.substr(slash + 1)};
}

bool is_known(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/config" ||
         path == "/slo" || path == kCanaryPath || path == kLogLevelPath ||
         path == "/debug/pprof/profile" || path == "/debug/pprof/heap" ||
         canary_command_of(path).has_value();
}

bool is_read(http::Verb method) { return method == http::Verb::get || method == http::Verb::head; }

// The only admin request that changes something.
bool is_level_change(std::string_view path, http::Verb method) {
  return path == kLogLevelPath && (method == http::Verb::put || method == http::Verb::post);
}

std::string level_json() {
  std::string body = R"({"level":")";
  body += observe::log_level();
  body += R"("})";
  return body;
}

// The "level" string of a {"level": "..."} body; empty when there is none.
std::string requested_level(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  const auto* object = ec ? nullptr : doc.if_object();
  const auto* level = object ? object->if_contains("level") : nullptr;
  const auto* text = level ? level->if_string() : nullptr;
  return text ? std::string(*text) : std::string();
}

// `seconds` from the query: the default when absent, 0 when malformed or out of range.
int profile_seconds(std::string_view query) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (!pair.starts_with("seconds=")) continue;
    const std::string_view digits = pair.substr(8);
    int seconds = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
    const bool valid = ec == std::errc{} && end == digits.data() + digits.size();
    return valid && seconds >= 1 && seconds <= kMaxProfileSeconds ? seconds : 0;
  }
  return kDefaultProfileSeconds;
}
}  // namespace

namespace {
void log_request(const http::Exchange& ex) {
  spdlog::debug("admin: {} {} {}", ex.request().method_text, ex.request().path, ex.status());
}
}  // namespace

boost::asio::awaitable<void> AdminHandler::handle(http::Exchange& ex) {
  if (authorized(ex)) {
    co_await answer(ex);
  } else {
    co_await ex.respond_error(core::ErrorKind::kUnauthorized,
                              "a valid Authorization: Bearer token is required");
  }
  log_request(ex);
}

bool AdminHandler::authorized(const http::Exchange& ex) const {
  const std::string_view token = sources_.token();
  if (token.empty()) return true;
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view header = ex.request().fields.find(http::Field::authorization);
  return header.starts_with(kBearer) &&
         crypto::constant_time_equals(header.substr(kBearer.size()), token);
}

void AdminHandler::on_refused(const http::Exchange& ex, std::string_view) { log_request(ex); }

boost::asio::awaitable<void> AdminHandler::answer(http::Exchange& ex) {
  const http::RequestHead& req = ex.request();
  const std::string_view path = req.path;
  if (!is_known(path)) {
    co_await ex.respond_error(core::ErrorKind::kNotFound, "no such admin endpoint");
    co_return;
  }
  if (is_level_change(path, req.method)) {
    co_await change_log_level(ex);
    co_return;
  }
  if (const auto command = canary_command_of(path)) {
    co_await canary_command(ex, command->first, command->second);
    co_return;
  }
  if (!is_read(req.method)) {
    co_await ex.respond_error(core::ErrorKind::kMethodNotAllowed,
                              path == kLogLevelPath ? "/log/level takes GET, PUT or POST"
                                                    : "admin endpoints are GET only");
    co_return;
  }
  if (path == "/healthz") {
    co_await ex.respond(200, kJson, R"({"status":"ok"})");
  } else if (path == "/readyz") {
    if (sources_.ready())
      co_await ex.respond(200, kJson, R"({"status":"ready"})");
    else
      co_await ex.respond_error(core::ErrorKind::kUnavailable, "not ready (starting or draining)");
  } else if (path == "/metrics") {
    co_await ex.respond(200, kPrometheus, sources_.metrics.render());
  } else if (path == "/config") {
    co_await ex.respond(200, kJson, sources_.config_json());
  } else if (path == "/slo") {
    co_await ex.respond(200, kJson, sources_.slo_json());
  } else if (path == kCanaryPath) {
    co_await ex.respond(200, kJson, sources_.canary_json());
  } else if (path == kLogLevelPath) {
    co_await ex.respond(200, kJson, level_json());
  } else if (!sources_.profiling_enabled()) {
    co_await ex.respond_error(core::ErrorKind::kNotFound,
                              "profiling is disabled (admin.profiling: true enables it)");
  } else if (path == "/debug/pprof/profile") {
    co_await cpu_profile(ex);
  } else {
    co_await heap_profile(ex);
  }
}

boost::asio::awaitable<void> AdminHandler::canary_command(http::Exchange& ex,
                                                          std::string_view route,
                                                          std::string_view command) {
  if (ex.request().method != http::Verb::post) {
    co_await ex.respond_error(core::ErrorKind::kMethodNotAllowed, "canary commands take POST");
    co_return;
  }
  if (const auto error = sources_.canary_command(route, command)) {
    co_await ex.respond_error(error->kind, error->detail);
    co_return;
  }
  // At warn, like a log level change: an operator changed live traffic.
  spdlog::warn("admin: canary {}: {}", route, command);
  co_await ex.respond(200, kJson, sources_.canary_json());
}

boost::asio::awaitable<void> AdminHandler::change_log_level(http::Exchange& ex) {
  const std::string level = requested_level(ex.body());
  if (!observe::set_log_level(level)) {
    std::string message = R"(expected a body {"level": L} with L one of )";
    message += observe::kLogLevelNames;
    co_await ex.respond_error(core::ErrorKind::kBadRequest, message);
    co_return;
  }
  // At warn, so that the change itself is on record at any level but error and above.
  spdlog::warn("admin: log level set to {} (a reload restores log.level)", observe::log_level());
  co_await ex.respond(200, kJson, level_json());
}

boost::asio::awaitable<void> AdminHandler::cpu_profile(http::Exchange& ex) {
  const int seconds = profile_seconds(ex.request().query);
  if (seconds == 0) {
    co_await ex.respond_error(core::ErrorKind::kBadRequest,
                              "seconds must be a whole number from 1 to 300");
    co_return;
  }
  std::string reason;
  if (shut_down_) {
    co_await ex.respond_error(core::ErrorKind::kUnavailable, "the process is stopping");
    co_return;
  }
  if (!profiler_.start_cpu(reason)) {
    co_await ex.respond_error(core::ErrorKind::kUnavailable, reason);
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::seconds(seconds));
  profile_wait_ = &timer;
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  profile_wait_ = nullptr;
  std::string profile;
  if (!profiler_.finish_cpu(profile, reason)) {
    co_await ex.respond_error(core::ErrorKind::kInternal, reason);
    co_return;
  }
  if (shut_down_) {
    co_await ex.respond_error(core::ErrorKind::kUnavailable,
                              "the process is stopping: the profile was cut short");
    co_return;
  }
  co_await ex.respond(200, kProfile, profile);
}

void AdminHandler::shutdown() {
  shut_down_ = true;
  if (profile_wait_ != nullptr) profile_wait_->cancel();
}

boost::asio::awaitable<void> AdminHandler::heap_profile(http::Exchange& ex) {
  std::string profile, reason;
  if (!profiler_.heap_sample(profile, reason)) {
    co_await ex.respond_error(core::ErrorKind::kUnavailable, reason);
    co_return;
  }
  co_await ex.respond(200, "text/plain; charset=utf-8", profile);
}

}  // namespace paygate::admin
