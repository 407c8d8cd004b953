#pragma once
// ServerContext: what a TLS listener needs from OpenSSL, built once per configuration snapshot
// from its `tls:` settings and shared, read-only, by every worker (OpenSSL contexts are safe to
// use from several threads once configured).
//
// - One SSL_CTX per certificate. A handshake starts on the first (the default) and moves to the
//   certificate whose leaf names the client's SNI host, if another does.
// - TLS 1.2 with ECDHE and AEAD suites only, or TLS 1.3 only; ALPN from the configured list in
//   the server's order of preference (a client offering none of them gets the fatal
//   no_application_protocol alert, RFC 7301 section 3.2).
// - Resumption both ways: a server-side session cache, and session tickets sealed with keys
//   derived from a per-process secret and the current rotation period, so that every worker,
//   and the next snapshot, accept the tickets the others issued; a ticket of the previous
//   period is still accepted (and replaced), older ones are not.
// - TLS 1.3 early data when early_data.enabled: tickets then offer up to max_bytes of it, and each
//   ticket resumes once (OpenSSL's anti-replay, through the session cache). Reading it is the
//   connection's (http/tls_socket.h); deciding what an early request may do is the gateway's.
// - A client certificate signed by client_ca_file is required when one is named.
// - An OCSP response read from a file is stapled when the client asks for one.
// Building checks what a handshake would otherwise find out too late: unreadable files, a key
// that is not the certificate's, an expired certificate, a chain out of order.

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls/settings.h"

namespace paygate::tls {

// A served certificate, for the expiry gauge and logs.
struct ServedCertificate {
  std::string file;
  std::string serial_hex;
  std::chrono::sys_seconds not_after{};
};

// Why a context could not be built: `key` is the settings path below `tls` that is wrong
// ("certificates[1].key_file"), `message` what is wrong with it (naming the file).
struct BuildError {
  std::string key;
  std::string message;
};

class ServerContext {
 public:
  // Null with `error` filled when the settings cannot be served; `now` decides expiry.
  static std::shared_ptr<const ServerContext> build(const ServerSettings& settings,
                                                    std::chrono::sys_seconds now,
                                                    BuildError& error);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // A new server-side SSL object for one connection (the caller owns it), or null when OpenSSL
  // is out of memory.
  SSL* new_session() const;
  const std::vector<ServedCertificate>& certificates() const { return served_; }
  const ServerSettings& settings() const { return settings_; }

 private:
  struct Served;
  explicit ServerContext(ServerSettings settings);

  ServerSettings settings_;
  std::string alpn_wire_;  // the ALPN list in wire format (length-prefixed names)
  std::vector<std::unique_ptr<Served>> contexts_;  // [0] is the default
  std::vector<ServedCertificate> served_;

  friend struct ServerCallbacks;
};

// The ALPN protocol the handshake of `ssl` selected, or "" when none was.
std::string_view selected_alpn(const SSL* ssl);

}  // namespace paygate::tls
