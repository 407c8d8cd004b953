#include "tls/errors.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>

namespace paygate::tls {
namespace {

struct SslFixture {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl{SSL_new(ctx.get()), SSL_free};
};

TEST(TlsErrors, NamesTheCertificateVerificationResult) {
  SslFixture f;
  SSL_set_verify_result(f.ssl.get(), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  ERR_raise(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);
  EXPECT_EQ(describe_failure(f.ssl.get()),
            "TLS: certificate verify failed: unable to get local issuer certificate");
  EXPECT_EQ(ERR_peek_error(), 0UL) << "the queue is drained";
}

TEST(TlsErrors, OtherwiseNamesWhatOpenSslQueued) {
  SslFixture f;
  ERR_raise(ERR_LIB_SSL, SSL_R_WRONG_VERSION_NUMBER);
  EXPECT_EQ(describe_failure(f.ssl.get()), "TLS: wrong version number");
  EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST(TlsErrors, SaysSomethingWhenNothingWasQueued) {
  EXPECT_EQ(describe_failure(nullptr), "TLS: handshake failed");
  EXPECT_EQ(drain_errors("nothing"), "nothing");
}

}  // namespace
}  // namespace paygate::tls
