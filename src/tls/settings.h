#pragma once
// Settings of transport security, for both ends of a connection. Plain data, defaults at the
// member; config/ fills them from YAML and validates them, tls/ turns them into OpenSSL
// contexts once per configuration snapshot.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace paygate::tls {

enum class Version : std::uint8_t { kTls12, kTls13 };

// A certificate chain (leaf first) and its private key, both PEM files.
struct KeyPair {
  std::string certificate_file;
  std::string key_file;
};

// One certificate a listener offers, chosen by SNI among the names its leaf certificate holds.
struct ServerCertificate {
  KeyPair files;
  std::string ocsp_response_file;  // DER OCSP response stapled to handshakes; empty = none
};

// listeners[].tls.early_data: TLS 1.3 0-RTT. A client resuming a session may send requests
// before the handshake ends; they can be replayed, so what they may do is decided per request
// (RFC 8470: 425 Too Early for anything unsafe). OpenSSL's anti-replay stays on: with early
// data a ticket is an entry of the session cache, used once.
struct EarlyDataSettings {
  bool enabled = false;
  std::uint32_t max_bytes = 16 * 1024;  // early data accepted per connection
};

// listeners[].tls
struct ServerSettings {
  std::vector<ServerCertificate> certificates;  // the first is the default (no or unknown SNI)
  Version min_version = Version::kTls12;        // TLS 1.2 with AEAD suites only
  std::vector<std::string> alpn{"http/1.1"};    // in order of preference
  bool session_tickets = true;
  std::chrono::seconds ticket_key_rotation{3600};  // a key encrypts this long, decrypts twice that
  std::size_t session_cache_size = 20'000;         // per worker; 0 = no stateful cache
  std::chrono::seconds session_lifetime{7200};
  std::string client_ca_file;  // non-empty: a client certificate signed by it is required
  EarlyDataSettings early_data;
};

// clusters[].tls, notifications TLS, `paygate call`
struct ClientSettings {
  std::string ca_file;      // empty = the system bundle
  bool verify = true;       // certificate chain and host name
  std::string server_name;  // SNI and the name verified; empty = the host connected to
  KeyPair client_certificate;  // empty files = none
  Version min_version = Version::kTls12;
};

}  // namespace paygate::tls
