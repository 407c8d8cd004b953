#include "tls/server_context.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

#include "tls/errors.h"
#include "tls/suites.h"
#include "tls/ticket_keys.h"

namespace paygate::tls {

namespace {

constexpr unsigned char kSessionIdContext[] = "paygate";

using CtxHandle = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

std::string certificate_key(std::size_t i, const char* field) {
  return "certificates[" + std::to_string(i) + "]." + field;
}

std::chrono::sys_seconds to_sys_seconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return {};
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
}

std::string serial_hex(X509* x509) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), nullptr);
  char* hex = bn != nullptr ? BN_bn2hex(bn) : nullptr;
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return static_cast<bool>(in) || in.eof();
}

// Each certificate of the chain file must be issued by the next one.
std::string chain_problem(SSL_CTX* ctx) {
  X509* previous = SSL_CTX_get0_certificate(ctx);
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx, &chain);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* issuer = sk_X509_value(chain, i);
    if (X509_check_issued(issuer, previous) != X509_V_OK) {
      return "certificate " + std::to_string(i + 2) + " of the chain did not issue certificate " +
             std::to_string(i + 1) + " (the chain must go leaf first, then each issuer)";
    }
    previous = issuer;
  }
  return {};
}

}  // namespace

// One certificate's context and its stapled OCSP response.
struct ServerContext::Served {
  CtxHandle ctx{nullptr, SSL_CTX_free};
  std::string ocsp_response;  // DER; empty = nothing to staple
};

// OpenSSL's callbacks, with access to the context they were registered with (app data).
struct ServerCallbacks {
  static const ServerContext& owner(SSL* ssl) {
    return *static_cast<const ServerContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  }

  static int select_certificate(SSL* ssl, int* /*alert*/, void* /*arg*/) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == nullptr) return SSL_TLSEXT_ERR_OK;
    const ServerContext& self = owner(ssl);
    for (const auto& served : self.contexts_) {
      X509* leaf = SSL_CTX_get0_certificate(served->ctx.get());
      if (X509_check_host(leaf, name, std::strlen(name), 0, nullptr) == 1) {
        if (served->ctx.get() != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, served->ctx.get());
        break;
      }
    }
    return SSL_TLSEXT_ERR_OK;  // no match: the default certificate
  }

  static int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length,
                         const unsigned char* offered, unsigned int offered_length, void* /*arg*/) {
    const std::string& ours = owner(ssl).alpn_wire_;
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, out_length,
                              reinterpret_cast<const unsigned char*>(ours.data()),
                              static_cast<unsigned int>(ours.size()), offered,
                              offered_length) != OPENSSL_NPN_NEGOTIATED) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
  }

  static int ticket_key(SSL* ssl, unsigned char key_name[16], unsigned char* iv,
                        EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int seal) {
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const int result = ticket_key_callback(key_name, iv, cipher, mac, seal,
                                           owner(ssl).settings_.ticket_key_rotation, now);
    // A TLS 1.3 ticket is for one use (RFC 8446 section C.4): a resumed connection gets a fresh
    // one to resume the next with.
    if (result == 1 && seal == 0 && SSL_version(ssl) == TLS1_3_VERSION) return 2;
    return result;
  }

  static int staple_ocsp(SSL* ssl, void* arg) {
    const auto* served = static_cast<const ServerContext::Served*>(arg);
    if (served->ocsp_response.empty()) return SSL_TLSEXT_ERR_NOACK;
    auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(served->ocsp_response.size()));
    if (copy == nullptr) return SSL_TLSEXT_ERR_NOACK;
    std::memcpy(copy, served->ocsp_response.data(), served->ocsp_response.size());
    SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(served->ocsp_response.size()));
    return SSL_TLSEXT_ERR_OK;
  }
};

namespace {

// With a non-zero max_early_data, OpenSSL issues TLS 1.3 tickets that name an entry of the
// session cache and removes that entry when a ticket is used (SSL_OP_NO_ANTI_REPLAY, which is
// never set, would turn that off): a recorded ClientHello with its early data is then refused as
// a resumption, and its early data with it. Off, no ticket offers early data; the limit on what
// is received stays OpenSSL's, which bounds the early data it skips after refusing it.
void configure_early_data(SSL_CTX* ctx, const EarlyDataSettings& early) {
  if (!early.enabled) return;
  SSL_CTX_set_max_early_data(ctx, early.max_bytes);
  SSL_CTX_set_recv_max_early_data(ctx, early.max_bytes);
}

bool configure_protocol(SSL_CTX* ctx, const ServerSettings& s, BuildError& error) {
  const int min = s.min_version == Version::kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Suites) != 1) {
    error = {"min_version", drain_errors("cannot set the protocol versions")};
    return false;
  }
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  if (s.session_cache_size == 0) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(s.session_cache_size));
  }
  SSL_CTX_set_timeout(ctx, static_cast<long>(s.session_lifetime.count()));
  if (s.session_tickets) {
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ServerCallbacks::ticket_key);
  } else {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  SSL_CTX_set_alpn_select_cb(ctx, ServerCallbacks::select_alpn, nullptr);
  configure_early_data(ctx, s.early_data);
  return true;
}

bool require_client_certificates(SSL_CTX* ctx, const std::string& ca_file, BuildError& error) {
  if (ca_file.empty()) return true;
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
  if (names == nullptr || SSL_CTX_load_verify_file(ctx, ca_file.c_str()) != 1) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    error = {"client_ca_file",
             "cannot read CA certificates from " + ca_file + ": " + drain_errors("no certificate")};
    return false;
  }
  SSL_CTX_set_client_CA_list(ctx, names);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return true;
}

bool load_key_pair(SSL_CTX* ctx, std::size_t i, const KeyPair& files, std::chrono::sys_seconds now,
                   BuildError& error) {
  const std::string& cert = files.certificate_file;
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    error = {certificate_key(i, "certificate_file"),
             "cannot read a PEM certificate chain from " + cert + ": " + drain_errors()};
    return false;
  }
  if (std::string problem = chain_problem(ctx); !problem.empty()) {
    error = {certificate_key(i, "certificate_file"), cert + ": " + problem};
    return false;
  }
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (to_sys_seconds(X509_get0_notAfter(leaf)) <= now) {
    error = {certificate_key(i, "certificate_file"), "the certificate in " + cert + " has expired"};
    return false;
  }
  const bool loaded =
      SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  const bool mismatch =
      !loaded && ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
  if (!loaded && !mismatch) {
    error = {certificate_key(i, "key_file"),
             "cannot read a PEM private key from " + files.key_file + ": " + drain_errors()};
    return false;
  }
  if (mismatch || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    error = {certificate_key(i, "key_file"),
             "the key in " + files.key_file + " is not the key of the certificate in " + cert};
    return false;
  }
  return true;
}

bool load_ocsp(std::size_t i, const std::string& file, std::string& der, BuildError& error) {
  if (file.empty()) return true;
  const unsigned char* p = nullptr;
  OCSP_RESPONSE* response = nullptr;
  if (read_file(file, der)) {
    p = reinterpret_cast<const unsigned char*>(der.data());
    response = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size()));
  }
  if (response == nullptr) {
    ERR_clear_error();
    error = {certificate_key(i, "ocsp_response_file"),
             "cannot read a DER OCSP response from " + file};
    return false;
  }
  OCSP_RESPONSE_free(response);
  return true;
}

// "h2", "http/1.1" -> "\x02h2\x08http/1.1"
std::string alpn_wire(const std::vector<std::string>& names) {
  std::string wire;
  for (const auto& name : names) {
    wire += static_cast<char>(name.size());
    wire += name;
  }
  return wire;
}

}  // namespace

ServerContext::ServerContext(ServerSettings settings)
    : settings_(std::move(settings)), alpn_wire_(alpn_wire(settings_.alpn)) {}

ServerContext::~ServerContext() = default;

std::shared_ptr<const ServerContext> ServerContext::build(const ServerSettings& settings,
                                                          std::chrono::sys_seconds now,
                                                          BuildError& error) {
  ERR_clear_error();
  if (settings.certificates.empty()) {
    error = {"certificates", "a TLS listener needs at least one certificate"};
    return nullptr;
  }
  std::shared_ptr<ServerContext> self(new ServerContext(settings));
  for (std::size_t i = 0; i < settings.certificates.size(); ++i) {
    const ServerCertificate& cert = settings.certificates[i];
    auto served = std::make_unique<Served>();
    served->ctx.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX* ctx = served->ctx.get();
    if (ctx == nullptr) {
      error = {"certificates", drain_errors("out of memory")};
      return nullptr;
    }
    SSL_CTX_set_app_data(ctx, self.get());
    if (!configure_protocol(ctx, settings, error) ||
        !require_client_certificates(ctx, settings.client_ca_file, error) ||
        !load_key_pair(ctx, i, cert.files, now, error) ||
        !load_ocsp(i, cert.ocsp_response_file, served->ocsp_response, error)) {
      return nullptr;
    }
    SSL_CTX_set_tlsext_status_cb(ctx, ServerCallbacks::staple_ocsp);
    SSL_CTX_set_tlsext_status_arg(ctx, served.get());
    X509* leaf = SSL_CTX_get0_certificate(ctx);
    self->served_.push_back(
        {cert.files.certificate_file, serial_hex(leaf), to_sys_seconds(X509_get0_notAfter(leaf))});
    self->contexts_.push_back(std::move(served));
  }
  SSL_CTX_set_tlsext_servername_callback(self->contexts_.front()->ctx.get(),
                                         ServerCallbacks::select_certificate);
  return self;
}

SSL* ServerContext::new_session() const { return SSL_new(contexts_.front()->ctx.get()); }

std::string_view selected_alpn(const SSL* ssl) {
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl, &name, &length);
  return {reinterpret_cast<const char*>(name), length};
}

}  // namespace paygate::tls
