#include "admin/admin_handler.h"

namespace paygate::admin {

namespace {
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kPrometheus = "text/plain; version=0.0.4; charset=utf-8";
}  // namespace

boost::asio::awaitable<void> AdminHandler::handle(http::Exchange& ex) {
  const http::RequestHead& req = ex.request();
  const std::string_view path = req.path;
  const bool known = path == "/healthz" || path == "/readyz" || path == "/metrics" ||
                     path == "/config";
  if (!known) {
    co_await ex.respond_error(core::ErrorKind::kNotFound, "no such admin endpoint");
    co_return;
  }
  if (req.method != http::Verb::get && req.method != http::Verb::head) {
    co_await ex.respond_error(core::ErrorKind::kMethodNotAllowed, "admin endpoints are GET only");
    co_return;
  }
  if (path == "/healthz") {
    co_await ex.respond(200, kJson, R"({"status":"ok"})");
  } else if (path == "/readyz") {
    if (sources_.ready()) co_await ex.respond(200, kJson, R"({"status":"ready"})");
    else co_await ex.respond_error(core::ErrorKind::kUnavailable, "not ready (starting or draining)");
  } else if (path == "/metrics") {
    co_await ex.respond(200, kPrometheus, sources_.metrics.render());
  } else {
    co_await ex.respond(200, kJson, sources_.config_json());
  }
}

}  // namespace paygate::admin
