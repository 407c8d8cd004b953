// listeners[].tls (what a TLS listener serves) and clusters[].tls (how the gateway speaks TLS to
// an upstream). The files are only named here; validate.cpp's load_tls_contexts() reads them,
// so that every problem with them points at its key.
#include <algorithm>

#include "config/sections.h"

namespace paygate::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The protocols a listener can speak after the handshake.
constexpr std::string_view kServedProtocols[] = {"h2", "http/1.1"};

void read_certificate(const YAML::Node& node, const Where& where, const std::string& directory,
                      Diagnostics& diagnostics, tls::ServerCertificate& certificate) {
  read_map(node, where, diagnostics, [&](MapReader& map) {
    map.require("certificate_file");
    map.require("key_file");
    map.string("certificate_file", certificate.files.certificate_file);
    map.string("key_file", certificate.files.key_file);
    map.string("ocsp_response_file", certificate.ocsp_response_file);
  });
  certificate.files.certificate_file = resolve_path(directory, certificate.files.certificate_file);
  certificate.files.key_file = resolve_path(directory, certificate.files.key_file);
  certificate.ocsp_response_file = resolve_path(directory, certificate.ocsp_response_file);
}

void read_alpn(MapReader& map, std::vector<std::string>& alpn) {
  if (!map.has("alpn")) return;
  std::vector<std::string> names;
  map.strings("alpn", names);
  const Where where = map.where_of("alpn");
  if (names.empty()) map.diagnostics().add(where, "expected at least one protocol: [h2, http/1.1]");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& name = names[i];
    if (std::find(std::begin(kServedProtocols), std::end(kServedProtocols), name) ==
        std::end(kServedProtocols)) {
      map.diagnostics().add(where,
                            "expected h2 or http/1.1 (the protocols this listener can speak), "
                            "got '" +
                                name + "'");
    } else if (std::find(names.begin(), names.begin() + static_cast<long>(i), name) !=
               names.begin() + static_cast<long>(i)) {
      map.diagnostics().add(where, "'" + name + "' is listed twice");
    }
  }
  alpn = std::move(names);
}

// A duration key held in whole seconds.
void read_seconds(MapReader& map, std::string_view key, seconds& out, DurationRange range) {
  milliseconds value = out;
  map.duration(key, value, range);
  out = std::chrono::duration_cast<seconds>(value);
}

// early_data: {enabled, max_bytes}. OpenSSL's anti-replay accepts a 0-RTT ticket once by taking
// it out of the session cache, so early data without that cache cannot be had: say so rather
// than serve a listener that never accepts any.
void read_early_data(MapReader& map, tls::ServerSettings& tls) {
  map.mapping("early_data", [&](MapReader& fields) {
    fields.boolean("enabled", tls.early_data.enabled);
    std::size_t max_bytes = tls.early_data.max_bytes;
    fields.size("max_bytes", max_bytes, {1024, 64 * 1024});
    tls.early_data.max_bytes = static_cast<std::uint32_t>(max_bytes);
    if (tls.early_data.enabled && tls.session_cache_size == 0) {
      fields.diagnostics().add(
          fields.where_of("enabled"),
          "early data needs the session cache (session_cache_size is 0): each 0-RTT ticket is "
          "accepted once, by taking it out of that cache, which is what stops a replay");
    }
  });
}

}  // namespace

void read_server_tls(MapReader& map, const std::string& directory, tls::ServerSettings& tls) {
  map.require("certificates");
  map.sequence("certificates", [&](const YAML::Node& item, const Where& where) {
    read_certificate(item, where, directory, map.diagnostics(), tls.certificates.emplace_back());
  });
  if (map.has("certificates") && tls.certificates.empty()) {
    map.diagnostics().add(map.where_of("certificates"),
                          "expected at least one {certificate_file, key_file}");
  }
  map.choice<tls::Version>("min_version", tls.min_version,
                           {{"1.2", tls::Version::kTls12}, {"1.3", tls::Version::kTls13}});
  read_alpn(map, tls.alpn);
  map.boolean("session_tickets", tls.session_tickets);
  read_seconds(map, "ticket_key_rotation", tls.ticket_key_rotation, {seconds{60}, hours{24 * 7}});
  map.count("session_cache_size", tls.session_cache_size, {0, 10'000'000});
  read_seconds(map, "session_lifetime", tls.session_lifetime, {seconds{1}, hours{24 * 7}});
  map.string("client_ca_file", tls.client_ca_file);
  tls.client_ca_file = resolve_path(directory, tls.client_ca_file);
  read_early_data(map, tls);
}

void read_client_tls(MapReader& map, const std::string& directory, tls::ClientSettings& tls) {
  map.string("sni", tls.server_name);
  map.string("ca_file", tls.ca_file);
  tls.ca_file = resolve_path(directory, tls.ca_file);
  map.boolean("verify", tls.verify);
  map.choice<tls::Version>("min_version", tls.min_version,
                           {{"1.2", tls::Version::kTls12}, {"1.3", tls::Version::kTls13}});
  map.mapping("client_certificate", [&](MapReader& certificate) {
    certificate.require("certificate_file");
    certificate.require("key_file");
    certificate.string("certificate_file", tls.client_certificate.certificate_file);
    certificate.string("key_file", tls.client_certificate.key_file);
  });
  tls.client_certificate.certificate_file =
      resolve_path(directory, tls.client_certificate.certificate_file);
  tls.client_certificate.key_file = resolve_path(directory, tls.client_certificate.key_file);
}

}  // namespace paygate::config
