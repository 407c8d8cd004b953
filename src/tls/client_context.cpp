#include "tls/client_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls/errors.h"
#include "tls/suites.h"

namespace paygate::tls {

namespace {

bool load_trust(SSL_CTX* ctx, const ClientSettings& s, BuildError& error) {
  if (!s.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return true;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (s.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      error = {"ca_file", drain_errors("cannot load the system's CA bundle")};
      return false;
    }
    return true;
  }
  if (SSL_CTX_load_verify_locations(ctx, s.ca_file.c_str(), nullptr) != 1) {
    error = {"ca_file",
             "cannot read PEM CA certificates from " + s.ca_file + ": " + drain_errors()};
    return false;
  }
  return true;
}

bool load_client_certificate(SSL_CTX* ctx, const KeyPair& files, BuildError& error) {
  if (files.certificate_file.empty() && files.key_file.empty()) return true;
  if (SSL_CTX_use_certificate_chain_file(ctx, files.certificate_file.c_str()) != 1) {
    error = {"client_certificate.certificate_file", "cannot read a PEM certificate chain from " +
                                                        files.certificate_file + ": " +
                                                        drain_errors()};
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    error = {"client_certificate.key_file", "the key in " + files.key_file +
                                                " cannot be read or is not the key of " +
                                                files.certificate_file + ": " + drain_errors()};
    return false;
  }
  return true;
}

bool is_ip_literal(const std::string& host) {
  unsigned char address[16];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

}  // namespace

ClientContext::ClientContext(ClientSettings settings) : settings_(std::move(settings)) {}

ClientContext::~ClientContext() { SSL_CTX_free(ctx_); }

std::shared_ptr<const ClientContext> ClientContext::build(const ClientSettings& settings,
                                                          BuildError& error) {
  std::shared_ptr<ClientContext> self(new ClientContext(settings));
  self->ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX* ctx = self->ctx_;
  if (ctx == nullptr) {
    error = {"", drain_errors("out of memory")};
    return nullptr;
  }
  const int min = settings.min_version == Version::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Suites) != 1) {
    error = {"min_version", drain_errors("cannot set the protocol versions")};
    return nullptr;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  // Sessions are kept by the caller per host (SessionHandle), not in an internal cache.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!load_trust(ctx, settings, error) ||
      !load_client_certificate(ctx, settings.client_certificate, error)) {
    return nullptr;
  }
  return self;
}

SSL* ClientContext::new_session(std::string_view host, SSL_SESSION* session) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) return nullptr;
  const std::string name(settings_.server_name.empty() ? host : settings_.server_name);
  bool named = true;
  if (is_ip_literal(name)) {
    if (settings_.verify) {
      named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
    }
  } else {
    named = SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 &&
            (!settings_.verify || SSL_set1_host(ssl, name.c_str()) == 1);
  }
  if (!named) {
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }
  // A session that cannot be resumed (expired, another protocol) is only a full handshake.
  if (session != nullptr && SSL_SESSION_is_resumable(session) == 1) SSL_set_session(ssl, session);
  return ssl;
}

SessionHandle resumable_session(SSL* ssl) {
  SSL_SESSION* session = SSL_get1_session(ssl);
  if (session != nullptr && SSL_SESSION_is_resumable(session) != 1) {
    SSL_SESSION_free(session);
    session = nullptr;
  }
  return SessionHandle(session);
}

}  // namespace paygate::tls
