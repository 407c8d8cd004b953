#pragma once
// Settings of the HTTP/1.1 server side: one listener and its limits. Plain data, defaults at the
// member; config/ fills them from YAML and validates them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "http/methods.h"
#include "tls/settings.h"

namespace paygate::http {

// How request paths are brought to their normal form (http/path_normaliser.h).
enum class EscapedSlashes : std::uint8_t {
  kReject,    // `%2F` in a path -> 400
  kKeep,      // forwarded as `%2F`, not a separator
  kUnescape,  // decoded to '/', a separator like any other
};

struct PathPolicy {
  bool merge_slashes = true;
  EscapedSlashes escaped_slashes = EscapedSlashes::kReject;
};

// listeners[].http2: HTTP/2 by ALPN on TLS listeners and by prior knowledge (h2c) on cleartext
// ones (http/h2_session.h). The abuse limits are per connection; going over one ends the
// connection with GOAWAY ENHANCE_YOUR_CALM and counts it in paygate_http2_abuse_total{kind}.
struct Http2Settings {
  bool enabled = true;
  std::uint32_t max_concurrent_streams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS
  std::uint32_t initial_window_size = 65'535;  // SETTINGS_INITIAL_WINDOW_SIZE, per stream
  std::uint32_t max_frame_size = 16'384;       // SETTINGS_MAX_FRAME_SIZE
  std::uint32_t header_table_size = 4'096;     // SETTINGS_HEADER_TABLE_SIZE (HPACK state)
  // Streams the client resets within one second (CVE-2023-44487, "rapid reset").
  std::uint32_t max_resets_per_second = 100;
  // SETTINGS, PING and PRIORITY frames and empty DATA/HEADERS frames within one second.
  std::uint32_t max_control_frames_per_second = 100;
  // CONTINUATION frames after one HEADERS frame (CVE-2024-27316 style floods).
  std::uint32_t max_continuation_frames = 16;
};

struct ServerLimits {
  std::size_t max_request_line_bytes = 8 * 1024;  // over -> 414
  std::size_t max_header_bytes = 64 * 1024;       // whole header block; over -> 431
  std::size_t max_header_count = 100;             // over -> 431
  std::size_t max_body_bytes = 1024 * 1024;       // over -> 413
  std::chrono::milliseconds header_read_timeout{10'000};  // first byte to end of header (slowloris)
  std::chrono::milliseconds body_read_timeout{30'000};    // end of header to end of body
  std::chrono::milliseconds idle_timeout{60'000};         // between requests on keep-alive
  std::chrono::milliseconds write_timeout{30'000};        // one response write
  std::size_t max_connections = 10'000;                   // per worker; over -> accept and close
  std::size_t max_requests_per_connection = 0;            // 0 = unlimited
  bool trace = true;  // continue or start a W3C trace per request (core/trace_context.h)
  PathPolicy path;
  // listener.methods: the methods let in; another known one -> 405 with Allow, an unknown -> 501
  MethodSet methods;
  Http2Settings http2;
};

struct ListenerSettings {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8080;
  ServerLimits limits;
  std::optional<tls::ServerSettings> tls;  // listeners[].tls; cleartext without it
  // Per-request metrics, SLO counts and trace context (limits.trace follows it). Off only to
  // measure what they cost (bench/telemetry.sh); the access log has its own switch.
  bool telemetry = true;
  // Verified merchants with their own mchid label in paygate_merchant_*: the first this many in
  // configuration order; the rest share mchid="other" (steps/merchant_metrics.h).
  std::size_t merchant_label_limit = 100;
};

}  // namespace paygate::http
