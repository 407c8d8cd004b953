// Sections of the process itself: listener (and its limits), admin, log, plus shared checks.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include <boost/asio/ip/address.hpp>

#include "config/sections.h"

namespace paygate::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * kKiB;
constexpr std::size_t kGiB = 1024 * kMiB;
constexpr DurationRange kIoTimeout{milliseconds{1}, hours{24}};
constexpr CountRange kPort{0, 65535};  // 0 = any free port (tests)
constexpr std::size_t kTokenBytes = 4096;

void read_limits(MapReader& map, http::ServerLimits& limits) {
  map.size("max_request_line", limits.max_request_line_bytes, {64, kMiB});
  map.size("max_header_bytes", limits.max_header_bytes, {256, 16 * kMiB});
  map.count("max_header_count", limits.max_header_count, {1, 10'000});
  map.size("max_body", limits.max_body_bytes, {0, 4 * kGiB});
  map.duration("header_read_timeout", limits.header_read_timeout, kIoTimeout);
  map.duration("body_read_timeout", limits.body_read_timeout, kIoTimeout);
  map.duration("idle_timeout", limits.idle_timeout, kIoTimeout);
  map.duration("write_timeout", limits.write_timeout, kIoTimeout);
  map.count("max_connections", limits.max_connections, {1, 1'000'000});
  map.count("max_requests_per_connection", limits.max_requests_per_connection,
            {0, 1'000'000'000});
}

void read_path_policy(MapReader& map, http::PathPolicy& path) {
  using http::EscapedSlashes;
  map.boolean("merge_slashes", path.merge_slashes);
  map.choice<EscapedSlashes>("escaped_slashes", path.escaped_slashes,
                             {{"reject", EscapedSlashes::kReject},
                              {"keep", EscapedSlashes::kKeep},
                              {"unescape", EscapedSlashes::kUnescape}});
}

void check_log_target(MapReader& map, std::string_view key, const std::string& target) {
  if (target.empty()) map.diagnostics().add(map.where_of(key), "must not be empty");
}

void read_rotation(MapReader& map, std::string_view key, observe::LogRotation& rotation) {
  using observe::LogRotation;
  map.choice<LogRotation>(key, rotation,
                          {{"none", LogRotation::kNone}, {"size", LogRotation::kSize},
                           {"daily", LogRotation::kDaily}, {"hourly", LogRotation::kHourly}});
}

// A share from 0 to 1 written as a number: 0, 0.05, 1.0 (or 5e-2).
void read_share(MapReader& map, std::string_view key, double& share) {
  if (!map.has(key)) return;
  const std::size_t problems = map.diagnostics().errors().size();
  std::string text;
  map.string(key, text);
  if (map.diagnostics().errors().size() != problems) return;  // not a scalar, already said
  double value = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || stop != end || !(value >= 0.0 && value <= 1.0)) {
    std::string message = "expected a number from 0 to 1 like 0.1, got '";
    message += text;
    message += "'";
    map.diagnostics().add(map.where_of(key), std::move(message));
    return;
  }
  share = value;
}

void read_http2(MapReader& map, http::Http2Settings& http2) {
  map.boolean("enabled", http2.enabled);
  map.count("max_concurrent_streams", http2.max_concurrent_streams, {1, 10'000});
  // RFC 9113 section 6.5.2 bounds the window and the frame size.
  map.count("initial_window_size", http2.initial_window_size, {1, 2'147'483'647});
  map.count("max_frame_size", http2.max_frame_size, {16'384, 16'777'215});
  map.count("header_table_size", http2.header_table_size, {0, 1'048'576});
  map.count("max_resets_per_second", http2.max_resets_per_second, {1, 1'000'000});
  map.count("max_control_frames_per_second", http2.max_control_frames_per_second, {1, 1'000'000});
  map.count("max_continuation_frames", http2.max_continuation_frames, {0, 10'000});
}

}  // namespace

bool check_name(MapReader& map, std::string_view key, const std::string& name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
  };
  if (!name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), allowed)) {
    return true;
  }
  // Names end up in metric labels and log lines, hence the small alphabet.
  map.diagnostics().add(map.where_of(key),
                        "a name is 1 to 128 of letters, digits, '_', '-' and '.', got '" + name +
                            "'");
  return false;
}

bool check_ip_address(MapReader& map, std::string_view key, const std::string& address) {
  boost::system::error_code error;
  boost::asio::ip::make_address(address, error);
  if (!error) return true;
  map.diagnostics().add(map.where_of(key),
                        "expected an IP address like 0.0.0.0 or ::1, got '" + address + "'");
  return false;
}

void read_bearer_token(MapReader& map, const std::string& directory, crypto::SecretBuffer& token,
                       std::string_view key) {
  const std::string env_key = std::string(key) + "_env";
  const std::string file_key = std::string(key) + "_file";
  std::string env;
  std::string file;
  map.string(env_key, env);
  map.string(file_key, file);
  if (!env.empty() && !file.empty()) {
    map.diagnostics().add(map.where_of(file_key),
                          "give " + env_key + " or " + file_key + ", not both");
    return;
  }
  if (!env.empty()) {
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value == '\0') {
      map.diagnostics().add(map.where_of(env_key),
                            "environment variable " + env + " is not set or empty");
      return;
    }
    token = value;
  } else if (!file.empty()) {
    const auto path = resolve_path(directory, file);
    std::ifstream in(path);
    token.reserve(kTokenBytes);  // a longer token reallocates, leaving a copy unwiped
    if (!in || !std::getline(in, token.text()) || token.empty()) {
      map.diagnostics().add(map.where_of(file_key), "cannot read a token from " + path +
                                                        " (expected it on the first line)");
    }
  }
}

void require_token_off_loopback(MapReader& map, const std::string& address) {
  // A token that was given but could not be read is reported at its own key already.
  if (map.has("token_env") || map.has("token_file")) return;
  boost::system::error_code error;
  auto ip = boost::asio::ip::make_address(address, error);
  if (error) return;  // reported by check_ip_address
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    ip = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
  }
  if (ip.is_loopback()) return;
  std::string message = "expected a loopback address (127.0.0.1 or ::1), or token_env or ";
  message += "token_file beside it: '" + address + "' is reachable from other hosts";
  map.diagnostics().add(map.where_of("address"), std::move(message));
}

void read_listener(MapReader& map, const std::string& directory, bool first,
                   http::ListenerSettings& listener, Where& port_place, Where& tls_place) {
  map.string("address", listener.address);
  if (map.has("address")) check_ip_address(map, "address", listener.address);
  map.count("port", listener.port, kPort);
  port_place = map.where_of("port");
  map.mapping("limits", [&](MapReader& limits) { read_limits(limits, listener.limits); });
  map.mapping("path", [&](MapReader& path) { read_path_policy(path, listener.limits.path); });
  read_method_set(map, listener.limits.methods);
  if (first) {
    map.boolean("telemetry", listener.telemetry);
    map.count("merchant_label_limit", listener.merchant_label_limit, {0, 10'000});
  } else {
    for (std::string_view key : {"telemetry", "merchant_label_limit"}) {
      if (!map.has(key)) continue;
      map.diagnostics().add(map.where_of(key),
                            "expected on the first listener only: it applies "
                            "to every listener of the process");
    }
  }
  listener.limits.trace = listener.telemetry;
  map.mapping("http2", [&](MapReader& http2) { read_http2(http2, listener.limits.http2); });
  map.mapping("tls", [&](MapReader& tls) {
    tls_place = map.where_of("tls");
    tls::ServerSettings& settings = listener.tls.emplace();
    // HTTP/2 is offered first when the listener speaks it, unless tls.alpn says otherwise.
    if (listener.limits.http2.enabled) settings.alpn = {"h2", "http/1.1"};
    read_server_tls(tls, directory, settings);
    const bool offers_h2 =
        std::find(settings.alpn.begin(), settings.alpn.end(), "h2") != settings.alpn.end();
    if (offers_h2 && !listener.limits.http2.enabled) {
      map.diagnostics().add(tls.where_of("alpn"),
                            "expected no h2: this listener's http2.enabled is false");
    }
  });
}

void read_admin(MapReader& map, const std::string& directory, admin::AdminSettings& admin,
                Where& port_place) {
  map.string("address", admin.address);
  if (map.has("address")) check_ip_address(map, "address", admin.address);
  map.count("port", admin.port, kPort);
  port_place = map.where_of("port");
  map.boolean("profiling", admin.profiling);
  read_bearer_token(map, directory, admin.token);
  require_token_off_loopback(map, admin.address);
}

void read_log(MapReader& map, observe::LogSettings& log) {
  std::string_view level = log.level;
  map.choice<std::string_view>("level", level,
                               {{"trace", "trace"}, {"debug", "debug"}, {"info", "info"},
                                {"warn", "warn"}, {"error", "error"}, {"critical", "critical"},
                                {"off", "off"}});
  log.level = std::string(level);
  map.string("error_log", log.error_log);
  check_log_target(map, "error_log", log.error_log);
  map.string("access_log", log.access_log);
  check_log_target(map, "access_log", log.access_log);
  read_rotation(map, "access_log_rotate", log.access_log_rotate);
  map.size("access_log_max_size", log.access_log_max_bytes, {kKiB, 64 * kGiB});
  map.count("access_log_max_files", log.access_log_max_files, {1, 1000});
  read_share(map, "access_log_sample", log.access_log_sample);
  map.count("access_log_queue_lines", log.access_log_queue_lines, {16, 16 * kMiB});
  read_rotation(map, "error_log_rotate", log.error_log_rotate);
  map.size("error_log_max_size", log.error_log_max_bytes, {kKiB, 64 * kGiB});
  map.count("error_log_max_files", log.error_log_max_files, {1, 1000});
  map.count("error_log_queue_lines", log.error_log_queue_lines, {16, 16 * kMiB});
}

void read_method_set(MapReader& map, http::MethodSet& methods) {
  if (!map.has("methods")) return;
  std::vector<std::string> names;
  map.strings("methods", names);
  const Where where = map.where_of("methods");
  if (names.empty()) map.diagnostics().add(where, "must list at least one method, like GET");
  methods.clear();
  for (const std::string& name : names) {
    const auto method = http::known_method(name);
    if (!method) {
      map.diagnostics().add(where,
                            "not a method paygate knows (upper-case, like GET): '" + name + "'");
    } else if (http::is_never_allowed(*method)) {
      map.diagnostics().add(where,
                            name + " is never allowed (a gateway neither tunnels nor echoes)");
    } else {
      methods.add(*method);
    }
  }
}

}  // namespace paygate::config
