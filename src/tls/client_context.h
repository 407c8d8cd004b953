#pragma once
// ClientContext: what the client end of a TLS connection needs from OpenSSL (the courier's
// https:// deliveries, `paygate call`), built once from ClientSettings and shared read-only.
//
// - The peer's chain is verified against ca_file, or the system's bundle when none is named, and
//   its name against the host connected to (or server_name): DNS names by RFC 6125 rules, IP
//   literals against the certificate's IP addresses. verify: false turns both off (tests only).
// - SNI carries the host name (never an IP literal, RFC 6066 section 3).
// - TLS 1.2 with ECDHE and AEAD suites only, or TLS 1.3.
// - A client certificate is presented when one is configured.
// Resumption is the caller's: it keeps the session of a finished exchange (SessionHandle) and
// hands it to the next new_session() for the same host.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "tls/server_context.h"
#include "tls/settings.h"

namespace paygate::tls {

struct SessionFree {
  void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using SessionHandle = std::unique_ptr<SSL_SESSION, SessionFree>;

class ClientContext {
 public:
  // Null with `error` filled (key: "ca_file", "client_certificate.key_file"...) when the
  // settings cannot be used.
  static std::shared_ptr<const ClientContext> build(const ClientSettings& settings,
                                                    BuildError& error);
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  // A client SSL object for one connection to `host` (a name or an IP literal), resuming
  // `session` when it is given and still valid; the caller owns it. Null when OpenSSL is out
  // of memory or `host` cannot be set as the name to verify.
  SSL* new_session(std::string_view host, SSL_SESSION* session = nullptr) const;
  const ClientSettings& settings() const { return settings_; }

 private:
  explicit ClientContext(ClientSettings settings);

  ClientSettings settings_;
  SSL_CTX* ctx_ = nullptr;
};

// The session `ssl` may be resumed with next time, or null (none was issued, or it cannot be
// resumed). Take it after the first answer was read: TLS 1.3 sends its ticket after the
// handshake.
SessionHandle resumable_session(SSL* ssl);

}  // namespace paygate::tls
