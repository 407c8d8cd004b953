#include "tls/server_context.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <memory>

#include "support/temp_dir.h"
#include "support/tls_certificates.h"
#include "tls/ticket_keys.h"

namespace paygate::tls {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using SslHandle = std::unique_ptr<SSL, decltype(&SSL_free)>;
using CtxHandle = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

std::chrono::sys_seconds now() {
  return std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now());
}

class ServerContextTest : public ::testing::Test {
 protected:
  ServerCertificate write_leaf(const std::string& tag, const std::vector<std::string>& names,
                               seconds valid_for = hours(24)) {
    const test::PemPair leaf = test::make_test_leaf(ca_, names, valid_for);
    return {{dir_.write(tag + ".pem", leaf.certificate), dir_.write(tag + ".key", leaf.key)}, ""};
  }

  std::shared_ptr<const ServerContext> build(const ServerSettings& settings) {
    BuildError error;
    auto context = ServerContext::build(settings, now(), error);
    EXPECT_TRUE(context) << error.key << ": " << error.message;
    return context;
  }

  CtxHandle client_ctx(const std::vector<std::string>& alpn = {}) {
    CtxHandle ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    X509_STORE_load_file(SSL_CTX_get_cert_store(ctx.get()),
                         dir_.write("ca.pem", ca_.certificate).c_str());
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    std::string wire;
    for (const auto& name : alpn) wire += static_cast<char>(name.size()) + name;
    if (!wire.empty()) {
      SSL_CTX_set_alpn_protos(ctx.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                              static_cast<unsigned>(wire.size()));
    }
    return ctx;
  }

  static bool handshake(SSL* client, SSL* server) {
    return test::handshake_in_memory(client, server);
  }

  static std::string peer_cn(SSL* client) {
    X509* peer = SSL_get0_peer_certificate(client);
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    return cn;
  }

  test::TempDir dir_{"paygate-tls"};
  test::PemPair ca_ = test::make_test_ca("paygate test CA");
};

TEST_F(ServerContextTest, NamesTheFileThatCannotBeRead) {
  ServerSettings s;
  s.certificates.push_back({{dir_.file("missing.pem"), dir_.file("missing.key")}, ""});
  BuildError error;
  EXPECT_FALSE(ServerContext::build(s, now(), error));
  EXPECT_EQ(error.key, "certificates[0].certificate_file");
  EXPECT_NE(error.message.find("missing.pem"), std::string::npos) << error.message;
}

TEST_F(ServerContextTest, RefusesAKeyThatIsNotTheCertificates) {
  ServerSettings s;
  ServerCertificate a = write_leaf("a", {"a.example"});
  ServerCertificate b = write_leaf("b", {"b.example"});
  a.files.key_file = b.files.key_file;
  s.certificates.push_back(a);
  BuildError error;
  EXPECT_FALSE(ServerContext::build(s, now(), error));
  EXPECT_EQ(error.key, "certificates[0].key_file");
  EXPECT_NE(error.message.find("is not the key of the certificate"), std::string::npos);
}

TEST_F(ServerContextTest, RefusesAnExpiredCertificate) {
  ServerSettings s;
  s.certificates.push_back(write_leaf("old", {"old.example"}, seconds(-60)));
  BuildError error;
  EXPECT_FALSE(ServerContext::build(s, now(), error));
  EXPECT_EQ(error.key, "certificates[0].certificate_file");
  EXPECT_NE(error.message.find("has expired"), std::string::npos) << error.message;
}

TEST_F(ServerContextTest, RefusesAChainOutOfOrder) {
  const test::PemPair leaf = test::make_test_leaf(ca_, {"a.example"});
  const test::PemPair other_ca = test::make_test_ca("another CA");
  ServerSettings s;
  s.certificates.push_back({{dir_.write("chain.pem", leaf.certificate + other_ca.certificate),
                             dir_.write("chain.key", leaf.key)},
                            ""});
  BuildError error;
  EXPECT_FALSE(ServerContext::build(s, now(), error));
  EXPECT_NE(error.message.find("did not issue certificate 1"), std::string::npos) << error.message;
  s.certificates[0].files.certificate_file =
      dir_.write("good_chain.pem", leaf.certificate + ca_.certificate);
  EXPECT_TRUE(build(s));
}

TEST_F(ServerContextTest, RefusesAnOcspFileThatIsNotAResponse) {
  ServerSettings s;
  s.certificates.push_back(write_leaf("a", {"a.example"}));
  s.certificates[0].ocsp_response_file = dir_.write("ocsp.der", "not DER");
  BuildError error;
  EXPECT_FALSE(ServerContext::build(s, now(), error));
  EXPECT_EQ(error.key, "certificates[0].ocsp_response_file");
}

TEST_F(ServerContextTest, ChoosesTheCertificateBySni) {
  ServerSettings s;
  s.certificates.push_back(write_leaf("a", {"a.example"}));
  s.certificates.push_back(write_leaf("b", {"b.example", "*.b.example"}));
  auto server_ctx = build(s);
  ASSERT_TRUE(server_ctx);
  CtxHandle client = client_ctx();
  for (const auto& [sni, expected] :
       std::vector<std::pair<std::string, std::string>>{{"b.example", "b.example"},
                                                        {"x.b.example", "b.example"},
                                                        {"a.example", "a.example"},
                                                        {"unknown.example", "a.example"},
                                                        {"", "a.example"}}) {
    SslHandle c(SSL_new(client.get()), SSL_free);
    SslHandle srv(server_ctx->new_session(), SSL_free);
    if (!sni.empty()) SSL_set_tlsext_host_name(c.get(), sni.c_str());
    ASSERT_TRUE(handshake(c.get(), srv.get())) << sni;
    EXPECT_EQ(peer_cn(c.get()), expected) << sni;
  }
}

TEST_F(ServerContextTest, SelectsAlpnInTheServersOrderAndRefusesNoOverlap) {
  ServerSettings s;
  s.certificates.push_back(write_leaf("a", {"a.example"}));
  s.alpn = {"h2", "http/1.1"};
  auto both = build(s);
  s.alpn = {"http/1.1"};
  auto http1 = build(s);
  ASSERT_TRUE(both && http1);

  CtxHandle offers_both = client_ctx({"http/1.1", "h2"});
  SslHandle c1(SSL_new(offers_both.get()), SSL_free);
  SslHandle s1(both->new_session(), SSL_free);
  ASSERT_TRUE(handshake(c1.get(), s1.get()));
  EXPECT_EQ(selected_alpn(s1.get()), "h2");

  SslHandle c2(SSL_new(offers_both.get()), SSL_free);
  SslHandle s2(http1->new_session(), SSL_free);
  ASSERT_TRUE(handshake(c2.get(), s2.get()));
  EXPECT_EQ(selected_alpn(s2.get()), "http/1.1");

  CtxHandle offers_h2 = client_ctx({"h2"});
  SslHandle c3(SSL_new(offers_h2.get()), SSL_free);
  SslHandle s3(http1->new_session(), SSL_free);
  EXPECT_FALSE(handshake(c3.get(), s3.get())) << "no_application_protocol";
  ERR_clear_error();
}

TEST_F(ServerContextTest, ResumesWithATicketFromAnotherSnapshot) {
  for (Version version : {Version::kTls12, Version::kTls13}) {
    ServerSettings s;
    s.certificates.push_back(write_leaf("a", {"a.example"}));
    s.min_version = version;
    auto first = build(s);
    auto reloaded = build(s);
    ASSERT_TRUE(first && reloaded);
    CtxHandle client = client_ctx();
    if (version == Version::kTls12) SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION);

    SslHandle c1(SSL_new(client.get()), SSL_free);
    SslHandle s1(first->new_session(), SSL_free);
    ASSERT_TRUE(handshake(c1.get(), s1.get()));
    EXPECT_FALSE(SSL_session_reused(s1.get()));
    SSL_SESSION* session = SSL_get1_session(c1.get());
    ASSERT_NE(session, nullptr);

    SslHandle c2(SSL_new(client.get()), SSL_free);
    SslHandle s2(reloaded->new_session(), SSL_free);
    SSL_set_session(c2.get(), session);
    SSL_SESSION_free(session);
    ASSERT_TRUE(handshake(c2.get(), s2.get()));
    EXPECT_TRUE(SSL_session_reused(s2.get())) << "TLS 1." << (version == Version::kTls12 ? 2 : 3);
  }
}

// A TLS 1.3 ticket is for one use (RFC 8446 section C.4): a resumed connection brings a fresh
// ticket for the next one. Without it, wrk resumed only every other connection.
TEST_F(ServerContextTest, AResumedTls13ConnectionBringsANewTicket) {
  ServerSettings s;
  s.certificates.push_back(write_leaf("a", {"a.example"}));
  auto context = build(s);
  ASSERT_TRUE(context);
  CtxHandle client = client_ctx();
  static int tickets = 0;
  SSL_CTX_set_session_cache_mode(client.get(),
                                 SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(client.get(), [](SSL*, SSL_SESSION*) {
    ++tickets;
    return 0;  // not kept: the test holds its own reference
  });
  SslHandle first(SSL_new(client.get()), SSL_free);
  SslHandle server1(context->new_session(), SSL_free);
  ASSERT_TRUE(handshake(first.get(), server1.get()));
  SSL_SESSION* session = SSL_get1_session(first.get());

  tickets = 0;
  SslHandle second(SSL_new(client.get()), SSL_free);
  SslHandle server2(context->new_session(), SSL_free);
  SSL_set_session(second.get(), session);
  SSL_SESSION_free(session);
  ASSERT_TRUE(handshake(second.get(), server2.get()));
  EXPECT_EQ(SSL_version(server2.get()), TLS1_3_VERSION);
  EXPECT_TRUE(SSL_session_reused(server2.get()));
  EXPECT_GE(tickets, 1);
}

TEST_F(ServerContextTest, RequiresAClientCertificateSignedByTheClientCa) {
  ServerSettings s;
  s.certificates.push_back(write_leaf("a", {"a.example"}));
  s.client_ca_file = dir_.write("client_ca.pem", ca_.certificate);
  auto server_ctx = build(s);
  ASSERT_TRUE(server_ctx);

  CtxHandle anonymous = client_ctx();
  SslHandle c1(SSL_new(anonymous.get()), SSL_free);
  SslHandle s1(server_ctx->new_session(), SSL_free);
  EXPECT_FALSE(handshake(c1.get(), s1.get()));
  ERR_clear_error();

  const ServerCertificate mine = write_leaf("client", {"client.example"});
  CtxHandle with_cert = client_ctx();
  SSL_CTX_use_certificate_chain_file(with_cert.get(), mine.files.certificate_file.c_str());
  SSL_CTX_use_PrivateKey_file(with_cert.get(), mine.files.key_file.c_str(), SSL_FILETYPE_PEM);
  SslHandle c2(SSL_new(with_cert.get()), SSL_free);
  SslHandle s2(server_ctx->new_session(), SSL_free);
  ASSERT_TRUE(handshake(c2.get(), s2.get()));
  EXPECT_NE(SSL_get0_peer_certificate(s2.get()), nullptr);
}

TEST(TicketKeys, OpenInTheirPeriodAndTheNextOnlyRenewingOldOnes) {
  using std::chrono::sys_seconds;
  const seconds rotation(3600);
  const sys_seconds t0(seconds(1'800'000'000));
  unsigned char name[16];
  unsigned char iv[EVP_MAX_IV_LENGTH] = {};
  auto open_at = [&](sys_seconds when) {
    EVP_CIPHER_CTX* cipher = EVP_CIPHER_CTX_new();
    EVP_MAC* mac_algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* mac = EVP_MAC_CTX_new(mac_algorithm);
    const int r = ticket_key_callback(name, iv, cipher, mac, 0, rotation, when);
    EVP_MAC_CTX_free(mac);
    EVP_MAC_free(mac_algorithm);
    EVP_CIPHER_CTX_free(cipher);
    return r;
  };
  EVP_CIPHER_CTX* cipher = EVP_CIPHER_CTX_new();
  EVP_MAC* mac_algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mac = EVP_MAC_CTX_new(mac_algorithm);
  ASSERT_EQ(ticket_key_callback(name, iv, cipher, mac, 1, rotation, t0), 1);
  EVP_MAC_CTX_free(mac);
  EVP_MAC_free(mac_algorithm);
  EVP_CIPHER_CTX_free(cipher);

  EXPECT_EQ(open_at(t0), 1);
  EXPECT_EQ(open_at(t0 + rotation), 2) << "previous period: accepted, renewed";
  EXPECT_EQ(open_at(t0 + 2 * rotation), 0) << "too old: full handshake";
  EXPECT_EQ(open_at(t0 - rotation), 0) << "from the future";
  name[0] ^= 1;
  EXPECT_EQ(open_at(t0), 0) << "not our key name";
}

}  // namespace
}  // namespace paygate::tls
