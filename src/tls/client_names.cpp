// ClientNames: the GENERAL_NAMEs of a subjectAltName extension, filtered and bounded.
#include "tls/client_names.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string_view>

namespace paygate::tls {
namespace {

struct FreeNames {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};

// The text of a DNS or URI name (both IA5String); empty for every other kind, which no app is
// known by.
std::string_view dns_or_uri(const GENERAL_NAME* name) {
  if (name->type != GEN_DNS && name->type != GEN_URI) return {};
  const ASN1_IA5STRING* text =
      name->type == GEN_DNS ? name->d.dNSName : name->d.uniformResourceIdentifier;
  if (text == nullptr || text->data == nullptr || text->length <= 0) return {};
  return {reinterpret_cast<const char*>(text->data), static_cast<std::size_t>(text->length)};
}

}  // namespace

const ClientNames& ClientNames::none() {
  static const ClientNames empty;
  return empty;
}

ClientNames::ClientNames(std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) add(name);
}

// An embedded NUL would let "a.example\0.evil" pass for a name it is not.
void ClientNames::add(std::string_view name) {
  if (names_.size() >= kMaxNames || name.empty() || name.size() > kMaxNameBytes ||
      name.find('\0') != name.npos) {
    return;
  }
  names_.emplace_back(name);
}

ClientNames ClientNames::of_certificate(const X509* certificate) {
  ClientNames out;
  if (certificate == nullptr) return out;
  std::unique_ptr<GENERAL_NAMES, FreeNames> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  const int count = sk_GENERAL_NAME_num(names.get());
  for (int i = 0; i < count && out.names_.size() < kMaxNames; ++i) {
    out.add(dns_or_uri(sk_GENERAL_NAME_value(names.get(), i)));
  }
  return out;
}

// The listener fails a handshake whose certificate does not verify (SSL_VERIFY_PEER); the
// verify result is checked all the same, so that no other configuration can slip an unverified
// certificate through. A resumed session keeps the certificate and result of its first handshake.
ClientNames ClientNames::of_verified_peer(const SSL* ssl) {
  const X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  return of_certificate(peer);
}

}  // namespace paygate::tls
