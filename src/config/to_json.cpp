// to_json: the Snapshot rendered with the YAML schema's own keys and units, so that the
// "config" part reads back as a configuration file.
#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "config/loader.h"
#include "config/redact.h"
#include "config/units.h"
#include "core/uri_password.h"

namespace paygate::config {
namespace {

namespace json = boost::json;

json::object limits_json(const http::ServerLimits& limits) {
  return {{"max_request_line", format_size(limits.max_request_line_bytes)},
          {"max_header_bytes", format_size(limits.max_header_bytes)},
          {"max_header_count", limits.max_header_count},
          {"max_body", format_size(limits.max_body_bytes)},
          {"header_read_timeout", format_duration(limits.header_read_timeout)},
          {"body_read_timeout", format_duration(limits.body_read_timeout)},
          {"idle_timeout", format_duration(limits.idle_timeout)},
          {"write_timeout", format_duration(limits.write_timeout)},
          {"max_connections", limits.max_connections},
          {"max_requests_per_connection", limits.max_requests_per_connection}};
}

json::object path_json(const http::PathPolicy& path) {
  using http::EscapedSlashes;
  const char* escaped = path.escaped_slashes == EscapedSlashes::kReject ? "reject"
                        : path.escaped_slashes == EscapedSlashes::kKeep ? "keep"
                                                                        : "unescape";
  return {{"merge_slashes", path.merge_slashes}, {"escaped_slashes", escaped}};
}

json::array methods_json(const http::MethodSet& methods) {
  json::array out;
  for (std::string_view name : methods.names()) out.emplace_back(name);
  return out;
}

// "0.25" rather than boost::json's 2.5E-1, and the same text reads back as YAML.
std::string shortest(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

json::object log_json(const observe::LogSettings& log) {
  return {{"level", log.level},
          {"error_log", log.error_log},
          {"access_log", log.access_log},
          {"access_log_rotate", observe::rotation_name(log.access_log_rotate)},
          {"access_log_max_size", format_size(log.access_log_max_bytes)},
          {"access_log_max_files", log.access_log_max_files},
          {"access_log_sample", shortest(log.access_log_sample)},
          {"access_log_queue_lines", log.access_log_queue_lines},
          {"error_log_rotate", observe::rotation_name(log.error_log_rotate)},
          {"error_log_max_size", format_size(log.error_log_max_bytes)},
          {"error_log_max_files", log.error_log_max_files},
          {"error_log_queue_lines", log.error_log_queue_lines}};
}

std::string endpoint_text(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

json::object client_tls_json(const tls::ClientSettings& tls) {
  json::object out{{"verify", tls.verify},
                   {"min_version", tls.min_version == tls::Version::kTls13 ? "1.3" : "1.2"}};
  if (!tls.server_name.empty()) out["sni"] = tls.server_name;
  if (!tls.ca_file.empty()) out["ca_file"] = tls.ca_file;
  if (!tls.client_certificate.certificate_file.empty()) {
    out["client_certificate"] =
        json::object{{"certificate_file", tls.client_certificate.certificate_file},
                     {"key_file", tls.client_certificate.key_file}};
  }
  return out;
}

json::object outlier_detection_json(const proxy::OutlierDetection& od) {
  json::object out{{"consecutive_5xx", od.consecutive_5xx},
                   {"consecutive_gateway_errors", od.consecutive_gateway_errors},
                   {"base_ejection", format_duration(od.base_ejection)},
                   {"max_ejection", format_duration(od.max_ejection)},
                   {"max_ejection_percent", format_percent(od.max_ejection_percent)}};
  if (const auto& r = od.error_ratio) {
    out["error_ratio"] = json::object{{"threshold", format_percent(r->threshold)},
                                      {"window", format_duration(r->window)},
                                      {"min_requests", r->min_requests}};
  }
  return out;
}

json::object retry_json(const proxy::RetryPolicy& retry) {
  json::array retry_on;
  for (const auto& [name, flag] : proxy::kRetryOnNames) {
    if (retry.on(flag)) retry_on.emplace_back(name);
  }
  return {{"retry_on", std::move(retry_on)},
          {"max_retries", retry.max_retries},
          {"backoff", json::object{{"base", format_duration(retry.backoff_base)},
                                   {"max", format_duration(retry.backoff_max)},
                                   {"multiplier", retry.backoff_multiplier}}},
          {"budget", json::object{{"ratio", format_percent(retry.budget_ratio)},
                                  {"min_retries_per_second", retry.min_retries_per_second}}}};
}

json::object concurrency_json(const proxy::ConcurrencySettings& limit) {
  return {
      {"adaptive", limit.adaptive},     {"min_limit", limit.min_limit},
      {"max_limit", limit.max_limit},   {"initial_limit", limit.initial_limit},
      {"queue_size", limit.queue_size}, {"queue_deadline", format_duration(limit.queue_deadline)}};
}

json::object cluster_json(const proxy::ClusterSettings& cluster) {
  json::array endpoints;
  for (const auto& endpoint : cluster.endpoints) {
    endpoints.emplace_back(endpoint_text(endpoint.host, endpoint.port));
  }
  const bool round_robin = cluster.lb == proxy::LbPolicy::kRoundRobin;
  json::object out{{"name", cluster.name},
                   {"endpoints", std::move(endpoints)},
                   {"lb", round_robin ? "round_robin" : "least_request"},
                   {"protocol", cluster.protocol == proxy::UpstreamProtocol::kH2 ? "h2" : "http1"},
                   {"connect_timeout", format_duration(cluster.connect_timeout)},
                   {"try_timeout", format_duration(cluster.try_timeout)},
                   {"total_timeout", format_duration(cluster.total_timeout)},
                   {"pool_idle_timeout", format_duration(cluster.pool_idle_timeout)},
                   {"max_idle_per_endpoint", cluster.max_idle_per_endpoint},
                   {"max_connections_per_endpoint", cluster.max_connections_per_endpoint},
                   {"max_response_size", format_size(cluster.max_response_bytes)},
                   {"retry", retry_json(cluster.retry)},
                   {"eject_after_connect_failures", cluster.eject_after_connect_failures},
                   {"eject_duration", format_duration(cluster.eject_duration)}};
  if (cluster.outlier_detection) {
    out["outlier_detection"] = outlier_detection_json(*cluster.outlier_detection);
  }
  if (cluster.tls) out["tls"] = client_tls_json(*cluster.tls);
  if (cluster.protocol == proxy::UpstreamProtocol::kH2) {
    out["h2_ping"] = json::object{{"interval", format_duration(cluster.h2_ping_interval)},
                                  {"timeout", format_duration(cluster.h2_ping_timeout)}};
  }
  if (cluster.concurrency) out["concurrency"] = concurrency_json(*cluster.concurrency);
  return out;
}

std::string_view path_key(router::PathKind kind) {
  switch (kind) {
    case router::PathKind::kPrefix:
      return "prefix";
    case router::PathKind::kRegex:
      return "regex";
    default:
      return "path";
  }
}

json::array headers_json(const std::vector<router::HeaderMatch>& headers) {
  json::array out;
  for (const auto& header : headers) {
    json::object match{{"name", header.name}};
    if (header.present_only) {
      match["present"] = true;
    } else {
      match["value"] = is_secret_header(header.name) ? kRedacted : header.value;
    }
    out.emplace_back(std::move(match));
  }
  return out;
}

json::array strings_json(const std::vector<std::string>& strings) {
  return json::array(strings.begin(), strings.end());
}

json::object rate_limit_json(const credentials::RateLimitSettings& limit) {
  return {{"rate", limit.rate}, {"burst", limit.burst}};
}

json::object platform_json(const credentials::PlatformSettings& platform) {
  json::array keys;
  for (const auto& key : platform.keys) {
    json::object out{{"private_key", key.private_key_file}};
    if (!key.certificate_file.empty()) out["certificate"] = key.certificate_file;
    if (!key.public_key_file.empty()) out["public_key"] = key.public_key_file;
    if (!key.serial.empty()) out["serial"] = key.serial;
    keys.push_back(std::move(out));
  }
  json::object out{
      {"clock_skew", format_duration(platform.clock_skew)},
      {"nonce_cache_capacity", platform.nonce_cache_capacity},
      {"nonce_quota_per_merchant", credentials::nonce_quota(platform)},
      {"certificate_expiry_warning", format_duration(platform.certificate_expiry_warning)},
      {"keys", std::move(keys)}};
  if (platform.rate_limit) out["rate_limit"] = rate_limit_json(*platform.rate_limit);
  return out;
}

json::object notifications_json(const notify::NotifySettings& n) {
  json::array schedule;
  for (auto delay : n.schedule) schedule.emplace_back(format_duration(delay));
  json::object out{{"store", core::redact_uri_password(n.store_path)},
                   {"max_store_size", format_size(n.max_store_bytes)},
                   {"address", n.address},
                   {"port", n.port},
                   {"max_body", format_size(n.max_body_bytes)},
                   {"schedule", std::move(schedule)},
                   {"jitter_percent", static_cast<unsigned>(n.jitter * 100 + 0.5)},
                   {"attempt_timeout", format_duration(n.attempt_timeout)},
                   {"lease", format_duration(n.lease)},
                   {"dispatchers", n.dispatchers},
                   {"merchant_concurrency", n.merchant_concurrency},
                   {"host_connections", n.host_connections},
                   {"ca_file", n.ca_file},
                   {"retention", format_duration(n.retention)},
                   {"dead_letter_retention", format_duration(n.dead_letter_retention)}};
  if (!n.token.empty()) out["token"] = "<redacted>";
  if (core::is_postgres_uri(n.store_path)) out["store_schema"] = n.store_schema;
  if (n.form == notify::DeliveryForm::kPlain) {
    out["forward_to"] = n.forward_to;
    if (!n.forward_token.empty()) out["forward_token"] = "<redacted>";
  }
  return out;
}

json::object merchant_key_json(const credentials::MerchantKeySettings& key) {
  json::object out;
  if (!key.certificate_file.empty()) out["certificate"] = key.certificate_file;
  if (!key.public_key_file.empty()) out["public_key"] = key.public_key_file;
  if (!key.serial.empty()) out["serial"] = key.serial;
  return out;
}

// apiv3_key_file / apiv3_key_env are shown as "<redacted>" by redact_secrets(): even where the
// APIv3 key comes from is not for the admin port.
json::object merchant_json(const credentials::MerchantSettings& merchant) {
  json::object out{{"mchid", merchant.mchid}};
  if (!merchant.apiv3_key_file.empty()) out["apiv3_key_file"] = merchant.apiv3_key_file;
  if (!merchant.apiv3_key_env.empty()) out["apiv3_key_env"] = merchant.apiv3_key_env;
  json::array keys;
  for (const auto& key : merchant.keys) keys.push_back(merchant_key_json(key));
  out["keys"] = std::move(keys);
  if (!merchant.allowed_routes.empty()) out["allowed_routes"] = strings_json(merchant.allowed_routes);
  if (!merchant.notify_urls.empty()) out["notify_urls"] = strings_json(merchant.notify_urls);
  if (merchant.rate_limit) out["rate_limit"] = rate_limit_json(*merchant.rate_limit);
  return out;
}

json::object mirror_json(const steps::MirrorSettings& mirror) {
  return {{"cluster", mirror.cluster},
          {"percent", fmt::format("{:g}%", mirror.percent)},
          {"methods", methods_json(mirror.methods)},
          {"compare", json::object{{"ignore", strings_json(mirror.ignore)}}},
          {"max_in_flight", mirror.max_in_flight}};
}

json::object direct_response_json(const steps::DirectResponse& respond) {
  return {
      {"status", respond.status}, {"body", respond.body}, {"content_type", respond.content_type}};
}

json::object degradable_json(const steps::Degradable& degradable) {
  if (!degradable.respond) return {{"shed", true}};
  return {{"respond", direct_response_json(*degradable.respond)}};
}

// Parts per million as the percentage they were written as.
std::string percent_text(std::uint32_t per_million) {
  return fmt::format("{:g}%", per_million / 10'000.0);
}

std::string address_block_text(const steps::AddressBlock& block) {
  const auto address = boost::asio::ip::make_address_v6(block.bytes);
  if (address.is_v4_mapped() && block.prefix >= 96) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address).to_string() + "/" +
           std::to_string(block.prefix - 96);
  }
  return address.to_string() + "/" + std::to_string(block.prefix);
}

json::array address_blocks_json(const std::vector<steps::AddressBlock>& blocks) {
  json::array out;
  for (const auto& block : blocks) out.push_back(json::string(address_block_text(block)));
  return out;
}

json::object fault_json(const steps::FaultInjection& fault) {
  json::object out;
  if (fault.delay) {
    out["delay"] = json::object{{"percent", percent_text(fault.delay->per_million)},
                                {"duration", format_duration(fault.delay->duration)}};
  }
  if (fault.abort) {
    out["abort"] = json::object{{"percent", percent_text(fault.abort->per_million)},
                                {"status", fault.abort->status}};
  }
  if (!fault.header.empty()) {
    out["header"] = fault.header;
    out["trusted_sources"] = address_blocks_json(fault.trusted_sources);
  }
  return out;
}

json::object stress_json(const steps::StressSettings& stress,
                         const notify::NotifySettings& notifications) {
  json::object out{{"header", stress.header},
                   {"value", stress.value},
                   {"allowed_merchants", strings_json(stress.allowed_merchants)},
                   {"allowed_sources", address_blocks_json(stress.allowed_sources)}};
  if (notifications.enabled) {
    out["notifications"] =
        json::object{{"store", core::redact_uri_password(notifications.store_path)},
                     {"port", notifications.port},
                     {"sink", notifications.sink}};
  }
  return out;
}

json::array split_json(const proxy::Split& split) {
  json::array clusters;
  for (const proxy::WeightedCluster& entry : split.clusters) {
    clusters.push_back(json::object{
        {"cluster", entry.cluster}, {"weight", entry.weight}, {"version", entry.version}});
  }
  return clusters;
}

json::object canary_json(const canary::CanarySettings& canary) {
  json::array steps;
  for (const std::uint32_t step : canary.steps) {
    steps.emplace_back(fmt::format("{:g}%", step / 100.0));
  }
  json::object guard{{"max_error_ratio", fmt::format("{:g}%", canary.guard.max_error_ratio * 100)},
                     {"min_requests", canary.guard.min_requests}};
  if (canary.guard.max_p99.count() > 0) guard["max_p99"] = format_duration(canary.guard.max_p99);
  return {{"cluster", canary.cluster},
          {"version", canary.version},
          {"steps", std::move(steps)},
          {"interval", format_duration(canary.interval)},
          {"guard", std::move(guard)}};
}

json::object sticky_json(const proxy::Sticky& sticky) {
  switch (sticky.by) {
    case proxy::StickyBy::kMchid:
      return {{"by", "mchid"}};
    case proxy::StickyBy::kHeader:
      return {{"by", "header"}, {"header", sticky.header}};
    case proxy::StickyBy::kClient:
      break;
  }
  return {{"by", "client"}};
}

json::object route_json(const Route& configured) {
  const router::RouteSpec& spec = configured.match;
  const proxy::RouteAction& action = configured.action;
  const steps::RouteSteps& steps = configured.steps;
  const std::optional<observe::SloSpec>& slo = configured.slo;
  json::object route{{"name", spec.name}};
  route[path_key(spec.kind)] = spec.pattern;
  if (!spec.methods.empty()) route["methods"] = strings_json(spec.methods);
  if (!spec.hosts.empty()) route["hosts"] = strings_json(spec.hosts);
  if (!spec.headers.empty()) route["headers"] = headers_json(spec.headers);
  if (configured.respond) {
    route["respond"] = direct_response_json(*configured.respond);
  } else if (configured.receives_callbacks) {
    route["receive"] = "callbacks";
  } else if (action.split) {
    route["split"] = split_json(*action.split);
    route["sticky"] = sticky_json(action.sticky);
  } else {
    route["cluster"] = action.cluster;
  }
  if (configured.canary) {
    route["canary"] = canary_json(*configured.canary);
    route["sticky"] = sticky_json(action.sticky);
  }
  if (action.timeout) route["timeout"] = format_duration(*action.timeout);
  if (!action.rewrite_prefix.empty()) route["rewrite_prefix"] = action.rewrite_prefix;
  if (action.idempotent) route["idempotent"] = true;
  if (!action.idempotent_by.empty()) {
    route["idempotent_by"] = json::array(action.idempotent_by.begin(), action.idempotent_by.end());
  }
  if (steps.verify_merchant) route["verify"] = "merchant";
  if (steps.verify_platform) route["verify"] = "platform";
  if (steps.verify_bill_hash) route["verify"] = "bill_hash";
  if (steps.sign_platform) route["sign"] = "platform";
  if (steps.sign_merchant) route["sign"] = "merchant";
  if (!steps.encrypt.empty()) {
    route["encrypt"] = json::array(steps.encrypt.begin(), steps.encrypt.end());
  }
  // Signed routes refuse early data whatever was written.
  if (steps.early_data == steps::EarlyData::kRefuse && !steps.verify_merchant &&
      !steps.sign_merchant) {
    route["early_data"] = "refuse";
  }
  if (steps.priority != steps::Priority::kNormal) {
    route["priority"] = steps.priority == steps::Priority::kCore ? "core" : "low";
  }
  if (slo) {
    json::object out{{"objective", fmt::format("{:g}%", slo->objective * 100)}};
    if (slo->latency.count() > 0) out["latency"] = format_duration(slo->latency);
    route["slo"] = std::move(out);
  }
  if (configured.mirror) route["mirror"] = mirror_json(*configured.mirror);
  if (configured.degradable) route["degradable"] = degradable_json(*configured.degradable);
  if (configured.fault) route["fault"] = fault_json(*configured.fault);
  if (!configured.stress_cluster.empty()) route["stress_cluster"] = configured.stress_cluster;
  return route;
}

json::object tls_json(const tls::ServerSettings& tls) {
  json::array certificates;
  for (const auto& certificate : tls.certificates) {
    json::object out{{"certificate_file", certificate.files.certificate_file},
                     {"key_file", certificate.files.key_file}};
    if (!certificate.ocsp_response_file.empty()) {
      out["ocsp_response_file"] = certificate.ocsp_response_file;
    }
    certificates.emplace_back(std::move(out));
  }
  json::array alpn;
  for (const auto& name : tls.alpn) alpn.emplace_back(name);
  json::object out{{"certificates", std::move(certificates)},
                   {"min_version", tls.min_version == tls::Version::kTls13 ? "1.3" : "1.2"},
                   {"alpn", std::move(alpn)},
                   {"session_tickets", tls.session_tickets},
                   {"ticket_key_rotation", format_duration(tls.ticket_key_rotation)},
                   {"session_cache_size", tls.session_cache_size},
                   {"session_lifetime", format_duration(tls.session_lifetime)},
                   {"early_data", json::object{{"enabled", tls.early_data.enabled},
                                               {"max_bytes", tls.early_data.max_bytes}}}};
  if (!tls.client_ca_file.empty()) out["client_ca_file"] = tls.client_ca_file;
  return out;
}

json::object http2_json(const http::Http2Settings& h2) {
  return {{"enabled", h2.enabled},
          {"max_concurrent_streams", h2.max_concurrent_streams},
          {"initial_window_size", h2.initial_window_size},
          {"max_frame_size", h2.max_frame_size},
          {"header_table_size", h2.header_table_size},
          {"max_resets_per_second", h2.max_resets_per_second},
          {"max_control_frames_per_second", h2.max_control_frames_per_second},
          {"max_continuation_frames", h2.max_continuation_frames}};
}

json::object listener_json(const http::ListenerSettings& listener) {
  json::object out{{"address", listener.address},
                   {"telemetry", listener.telemetry},
                   {"merchant_label_limit", listener.merchant_label_limit},
                   {"port", listener.port},
                   {"methods", methods_json(listener.limits.methods)},
                   {"limits", limits_json(listener.limits)},
                   {"path", path_json(listener.limits.path)},
                   {"http2", http2_json(listener.limits.http2)}};
  if (listener.tls) out["tls"] = tls_json(*listener.tls);
  return out;
}

std::string_view nonce_failure_name(steps::NonceFailure policy) {
  return policy == steps::NonceFailure::kRefuse ? "fail_closed" : "local";
}

std::string_view limit_failure_name(steps::LimitFailure policy) {
  switch (policy) {
    case steps::LimitFailure::kRefuse:
      return "fail_closed";
    case steps::LimitFailure::kAdmit:
      return "fail_open";
    case steps::LimitFailure::kLocal:
      break;
  }
  return "local";
}

json::object redis_json(const steps::SharedAdmissionSettings& redis) {
  const redis::Settings& server = redis.server;
  const bool ipv6 = server.host.find(':') != std::string::npos;
  json::object out{
      {"address",
       (ipv6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port)},
      {"database", server.database},
      {"timeout", format_duration(server.command_timeout)},
      {"connect_timeout", format_duration(server.connect_timeout)},
      {"key_prefix", redis.key_prefix},
      {"on_failure", json::object{{"nonces", nonce_failure_name(redis.on_nonce_failure)},
                                  {"rate_limits", limit_failure_name(redis.on_limit_failure)}}}};
  if (!server.password.empty()) out["password"] = "<redacted>";
  return out;
}

// The merchant role as loaded: who signs, what is trusted, which apps; tokens and keys never.
json::object merchant_role_json(const credentials::MerchantRole& role) {
  json::array identities;
  for (const auto& identity : role.identities()) {
    identities.emplace_back(json::object{{"mchid", identity.mchid}, {"serial", identity.serial}});
  }
  json::array platform_keys;
  for (const auto& key : role.platform_keys()) platform_keys.emplace_back(key.serial);
  json::array apps;
  for (const auto& app : role.apps()) {
    json::array mchids;
    for (const auto* identity : app.identities) mchids.emplace_back(identity->mchid);
    json::object entry{{"name", app.name}, {"mchids", std::move(mchids)}};
    if (!app.token.empty()) entry["token"] = "<redacted>";
    if (!app.certificate_san.empty()) {
      entry["client_certificate"] = json::object{{"san", app.certificate_san}};
    }
    apps.emplace_back(std::move(entry));
  }
  json::object out{{"identities", std::move(identities)},
                   {"platform_keys", std::move(platform_keys)},
                   {"apps", std::move(apps)},
                   {"clock_skew", format_duration(std::chrono::milliseconds(role.clock_skew()))}};
  if (!role.certificates_cluster().empty()) {
    out["certificates"] = json::object{
        {"cluster", role.certificates_cluster()},
        {"refresh", format_duration(std::chrono::milliseconds(role.certificates_refresh()))}};
  }
  return out;
}

json::object config_json(const Snapshot& snapshot) {
  json::array listeners;
  for (const auto& listener : snapshot.listeners) listeners.emplace_back(listener_json(listener));
  json::array clusters;
  for (const auto& cluster : snapshot.clusters) clusters.emplace_back(cluster_json(cluster));
  json::array routes;
  for (const Route& route : snapshot.routes) routes.emplace_back(route_json(route));
  json::array merchants;
  for (const auto& merchant : snapshot.merchants) merchants.emplace_back(merchant_json(merchant));
  json::object out{
      {"workers", snapshot.process.workers},
      {"drain_timeout", format_duration(snapshot.process.drain_timeout)},
      {"io_backend",
       snapshot.process.io_backend == core::IoBackend::kIoUring ? "io_uring" : "epoll"},
      {"listeners", std::move(listeners)},
      {"admin",
       {{"address", snapshot.admin.address},
        {"port", snapshot.admin.port},
        {"profiling", snapshot.admin.profiling}}},
      {"log", log_json(snapshot.log)},
      {"reload",
       {{"watch", snapshot.process.watch_files},
        {"debounce", format_duration(snapshot.process.watch_debounce)}}},
      {"degrade",
       json::object{{"recover_after", format_duration(snapshot.process.degrade_recover_after)}}},
      {"platform", platform_json(snapshot.platform)},
      {"merchants", std::move(merchants)},
      {"clusters", std::move(clusters)},
      {"routes", std::move(routes)}};
  if (!snapshot.admin.token.empty()) out["admin"].as_object()["token"] = "<redacted>";
  if (!snapshot.process.state_file.empty()) out["state_file"] = snapshot.process.state_file;
  if (snapshot.notify.enabled) out["notifications"] = notifications_json(snapshot.notify);
  if (snapshot.stress) out["stress"] = stress_json(*snapshot.stress, snapshot.stress_notify);
  if (snapshot.redis) out["redis"] = redis_json(*snapshot.redis);
  if (snapshot.merchant_keys) {
    json::object merchant = merchant_role_json(*snapshot.merchant_keys);
    if (snapshot.callbacks.enabled) merchant["callbacks"] = notifications_json(snapshot.callbacks);
    out["merchant"] = std::move(merchant);
  }
  return out;
}

json::object resolved_json(const Snapshot& snapshot) {
  json::object resolved;
  for (const auto& cluster : snapshot.clusters) {
    json::array addresses;
    for (const auto& endpoint : cluster.endpoints) {
      addresses.emplace_back(
          endpoint_text(endpoint.address.address().to_string(), endpoint.address.port()));
    }
    resolved[cluster.name] = std::move(addresses);
  }
  return resolved;
}

}  // namespace

std::string to_json(const Snapshot& snapshot) {
  json::value config = config_json(snapshot);
  redact_secrets(config);
  json::object out{{"generation", snapshot.generation},
                   {"source", snapshot.source_path},
                   {"config", std::move(config)},
                   {"resolved", resolved_json(snapshot)}};
  return json::serialize(out);
}

}  // namespace paygate::config
