// ClientNames: the DNS names and URIs of certificates made here with OpenSSL (in order, other
// kinds skipped, at most kMaxNames of at most kMaxNameBytes), none without the extension, and
// those of the client certificate a listener with client_ca_file verified in a handshake.
#include "tls/client_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <string>

#include "support/temp_dir.h"
#include "support/tls_certificates.h"
#include "tls/server_context.h"

namespace paygate::tls {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using CertificateHandle = std::unique_ptr<X509, decltype(&X509_free)>;
using SslHandle = std::unique_ptr<SSL, decltype(&SSL_free)>;
using CtxHandle = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

constexpr std::string_view kOrders = "spiffe://pay.example/ns/shop/sa/orders";

// A self-signed certificate whose subjectAltName is `san` in OpenSSL's configuration syntax
// ("DNS:a.example,URI:spiffe://..."); none when empty.
CertificateHandle certificate_with(const std::string& san) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  CertificateHandle cert(X509_new(), X509_free);
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("client"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  if (!san.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* extension =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    EXPECT_NE(extension, nullptr) << san;
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  return cert;
}

std::vector<std::string> names_of(const std::string& san) {
  const ClientNames names = ClientNames::of_certificate(certificate_with(san).get());
  return {names.names().begin(), names.names().end()};
}

TEST(ClientNames, DnsNamesAndUrisInTheirOrderOtherKindsSkipped) {
  EXPECT_THAT(names_of("DNS:orders.shop.internal,IP:10.0.0.7,URI:" + std::string(kOrders) +
                       ",email:ops@pay.example"),
              ElementsAre("orders.shop.internal", kOrders));
}

TEST(ClientNames, NoneWithoutASubjectAltNameOrACertificate) {
  EXPECT_THAT(names_of(""), IsEmpty());
  EXPECT_THAT(names_of("IP:10.0.0.7"), IsEmpty());
  EXPECT_TRUE(ClientNames::of_certificate(nullptr).empty());
  EXPECT_TRUE(ClientNames::none().empty());
}

TEST(ClientNames, AtMostSixteenNamesOfAtMost255BytesTheRestIgnored) {
  std::string san;
  for (int i = 0; i < 20; ++i) san += (i ? ",DNS:n" : "DNS:n") + std::to_string(i) + ".example";
  const auto many = names_of(san);
  ASSERT_THAT(many, SizeIs(ClientNames::kMaxNames));
  EXPECT_EQ(many.front(), "n0.example");
  EXPECT_EQ(many.back(), "n15.example");

  const std::string longest = "spiffe://pay.example/" + std::string(255 - 21, 'a');
  const std::string too_long = longest + "a";
  EXPECT_THAT(names_of("URI:" + too_long + ",URI:" + longest + ",DNS:after.example"),
              ElementsAre(longest, "after.example"));
}

// Through a real handshake: what the listener verified is what the request path reads; a server
// that asks for no certificate has none to read.
TEST(ClientNames, OfTheVerifiedPeerAfterTheHandshake) {
  test::TempDir dir;
  const test::PemPair ca = test::make_test_ca("names ca");
  const test::PemPair server = test::make_test_leaf(ca, {"gw.test"});
  const test::PemPair client = test::make_test_leaf(ca, {"orders.shop.internal"});
  ServerSettings settings;
  settings.certificates.push_back(
      {{dir.write("gw.pem", server.certificate), dir.write("gw.key", server.key)}, ""});
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  BuildError error;
  const auto plain = ServerContext::build(settings, now, error);
  settings.client_ca_file = dir.write("ca.pem", ca.certificate);
  const auto verifying = ServerContext::build(settings, now, error);
  ASSERT_TRUE(plain && verifying) << error.message;

  CtxHandle ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_use_certificate_chain_file(ctx.get(),
                                     dir.write("client.pem", client.certificate).c_str());
  SSL_CTX_use_PrivateKey_file(ctx.get(), dir.write("client.key", client.key).c_str(),
                              SSL_FILETYPE_PEM);
  SslHandle c1(SSL_new(ctx.get()), SSL_free), s1(verifying->new_session(), SSL_free);
  ASSERT_TRUE(test::handshake_in_memory(c1.get(), s1.get()));
  const ClientNames verified = ClientNames::of_verified_peer(s1.get());
  EXPECT_THAT(verified.names(), ElementsAre("orders.shop.internal"));

  SslHandle c2(SSL_new(ctx.get()), SSL_free), s2(plain->new_session(), SSL_free);
  ASSERT_TRUE(test::handshake_in_memory(c2.get(), s2.get()));
  EXPECT_TRUE(ClientNames::of_verified_peer(s2.get()).empty());
}

}  // namespace
}  // namespace paygate::tls
