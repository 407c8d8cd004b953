#include "tls/client_context.h"

#include <gtest/gtest.h>

#include <memory>

#include "support/temp_dir.h"
#include "support/tls_certificates.h"
#include "tls/errors.h"

namespace paygate::tls {
namespace {

using SslHandle = std::unique_ptr<SSL, decltype(&SSL_free)>;

std::chrono::sys_seconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A listener for pay.test and 127.0.0.1 signed by ca_, and clients of it.
class ClientContextTest : public ::testing::Test {
 protected:
  ClientContextTest() {
    const auto leaf = test::make_test_leaf(ca_, {"pay.test", "127.0.0.1"});
    ServerSettings s;
    s.certificates.push_back(
        {{dir_.write("leaf.pem", leaf.certificate), dir_.write("leaf.key", leaf.key)}, ""});
    BuildError error;
    server_ = ServerContext::build(s, now(), error);
    EXPECT_TRUE(server_) << error.message;
  }

  std::shared_ptr<const ClientContext> client(ClientSettings s) {
    BuildError error;
    auto context = ClientContext::build(s, error);
    EXPECT_TRUE(context) << error.key << ": " << error.message;
    return context;
  }
  ClientSettings trusting_ca() {
    ClientSettings s;
    s.ca_file = dir_.write("ca.pem", ca_.certificate);
    return s;
  }

  // A handshake from `context` to host; the client's SSL, for inspection.
  SslHandle connect(const ClientContext& context, std::string_view host, bool& ok,
                    SSL_SESSION* session = nullptr) {
    SslHandle c(context.new_session(host, session), SSL_free);
    SslHandle s(server_->new_session(), SSL_free);
    ok = c && test::handshake_in_memory(c.get(), s.get());
    return c;
  }

  test::TempDir dir_{"paygate-tls-client"};
  test::PemPair ca_ = test::make_test_ca("paygate test CA");
  std::shared_ptr<const ServerContext> server_;
};

TEST_F(ClientContextTest, VerifiesTheChainAndTheNameOrTheAddress) {
  auto context = client(trusting_ca());
  bool ok = false;
  connect(*context, "pay.test", ok);
  EXPECT_TRUE(ok);
  connect(*context, "127.0.0.1", ok);
  EXPECT_TRUE(ok);

  auto wrong_name = connect(*context, "other.test", ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(describe_failure(wrong_name.get()),
            "TLS: certificate verify failed: hostname mismatch");
  auto wrong_address = connect(*context, "127.0.0.2", ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(describe_failure(wrong_address.get()),
            "TLS: certificate verify failed: IP address mismatch");
}

TEST_F(ClientContextTest, AnotherCaIsRefusedAndVerifyFalseAcceptsAnything) {
  ClientSettings s;
  s.ca_file = dir_.write("other-ca.pem", test::make_test_ca("someone else").certificate);
  bool ok = false;
  auto refused = connect(*client(s), "pay.test", ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(describe_failure(refused.get()),
            "TLS: certificate verify failed: unable to get local issuer certificate");

  s.verify = false;
  connect(*client(s), "other.test", ok);
  EXPECT_TRUE(ok);
}

TEST_F(ClientContextTest, ServerNameOverridesTheNameVerifiedAndSent) {
  ClientSettings s = trusting_ca();
  s.server_name = "pay.test";
  bool ok = false;
  auto c = connect(*client(s), "127.0.0.9", ok);
  EXPECT_TRUE(ok);
  EXPECT_STREQ(SSL_get_servername(c.get(), TLSEXT_NAMETYPE_host_name), "pay.test");
}

TEST_F(ClientContextTest, AKeptSessionIsResumed) {
  auto context = client(trusting_ca());
  bool ok = false;
  auto first = connect(*context, "pay.test", ok);
  ASSERT_TRUE(ok);
  SessionHandle session = resumable_session(first.get());
  ASSERT_TRUE(session);
  auto second = connect(*context, "pay.test", ok, session.get());
  ASSERT_TRUE(ok);
  EXPECT_EQ(SSL_session_reused(second.get()), 1);
}

TEST_F(ClientContextTest, UnreadableFilesAreErrorsAtTheirKey) {
  ClientSettings s;
  s.ca_file = dir_.file("missing-ca.pem");
  BuildError error;
  EXPECT_FALSE(ClientContext::build(s, error));
  EXPECT_EQ(error.key, "ca_file");
  EXPECT_NE(error.message.find("missing-ca.pem"), std::string::npos) << error.message;

  s = trusting_ca();
  const auto mine = test::make_test_leaf(ca_, {"client"});
  const auto other = test::make_test_leaf(ca_, {"other"});
  s.client_certificate = {dir_.write("client.pem", mine.certificate),
                          dir_.write("other.key", other.key)};
  EXPECT_FALSE(ClientContext::build(s, error));
  EXPECT_EQ(error.key, "client_certificate.key_file");
}

}  // namespace
}  // namespace paygate::tls
