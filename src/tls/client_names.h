#pragma once
// ClientNames: who a TLS client proved to be, as the subjectAltName DNS names and URIs (a SPIFFE
// id, say) of the certificate it presented and the listener verified against its client_ca.
// Read once per connection, right after the handshake, so that a request reads a few short
// strings instead of parsing a certificate (steps/authenticate_app.h matches them to apps).
// A cleartext connection, or a TLS one without a verified client certificate, has none.
// Bounded: the first kMaxNames names of at most kMaxNameBytes bytes are kept, the rest ignored
// (a certificate is the CA's word, but its size is not worth trusting on every connection).

#include <openssl/types.h>

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace paygate::tls {

class ClientNames {
 public:
  static constexpr std::size_t kMaxNames = 16;
  static constexpr std::size_t kMaxNameBytes = 255;

  ClientNames() = default;
  // Names a certificate was found to have, within the same bounds (tests stand in for a
  // handshake with it).
  explicit ClientNames(std::initializer_list<std::string_view> names);
  // An empty set that lives as long as the process: a request that came by no connection.
  static const ClientNames& none();

  // The DNS and URI names of `certificate`'s subjectAltName, in its order, within the bounds.
  static ClientNames of_certificate(const X509* certificate);
  // Those of the certificate the client of `ssl` presented, when the handshake verified it.
  static ClientNames of_verified_peer(const SSL* ssl);

  std::span<const std::string> names() const { return names_; }
  bool empty() const { return names_.empty(); }

 private:
  void add(std::string_view name);

  std::vector<std::string> names_;
};

}  // namespace paygate::tls
