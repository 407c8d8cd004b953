#include "support/tls_certificates.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace paygate::test {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what);
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(key != nullptr, "EC key");
  return key;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return {data, static_cast<std::size_t>(n)};
}

std::string key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "key PEM");
  return bio_text(bio.get());
}

std::string cert_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "certificate PEM");
  return bio_text(bio.get());
}

Key read_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  check(key != nullptr, "read key");
  return key;
}

Cert read_cert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  check(cert != nullptr, "read certificate");
  return cert;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr && X509_add_ext(cert, ext, -1) == 1, "extension");
  X509_EXTENSION_free(ext);
}

Cert new_cert(EVP_PKEY* key, const std::string& cn, long not_before, long not_after) {
  static long serial = 1000;
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

bool is_ip(const std::string& name) {
  return name.find_first_not_of("0123456789.") == std::string::npos ||
         name.find(':') != std::string::npos;
}

}  // namespace

PemPair make_test_ca(const std::string& common_name) {
  Key key = new_key();
  Cert cert = new_cert(key.get(), common_name, -3600, 86400);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign CA");
  return {cert_pem(cert.get()), key_pem(key.get())};
}

PemPair make_test_leaf(const PemPair& ca, const std::vector<std::string>& names,
                       std::chrono::seconds valid_for) {
  check(!names.empty(), "a leaf needs a name");
  Key ca_key = read_key(ca.key);
  Cert ca_cert = read_cert(ca.certificate);
  Key key = new_key();
  Cert cert = new_cert(key.get(), names.front(), -3600, static_cast<long>(valid_for.count()));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& name : names) {
    if (!san.empty()) san += ",";
    san += (is_ip(name) ? "IP:" : "DNS:") + name;
  }
  add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, san);
  add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "sign leaf");
  return {cert_pem(cert.get()), key_pem(key.get())};
}

bool handshake_in_memory(SSL* client, SSL* server) {
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  // One step of one side: done, waiting for the other side, or failed.
  auto step = [](SSL* ssl, bool& done) {
    if (done) return true;
    const int r = SSL_do_handshake(ssl);
    done = r == 1;
    return done || SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ;
  };
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    if (!step(client, client_done) || !step(server, server_done)) {
      ERR_clear_error();
      return false;
    }
  }
  char byte;
  SSL_read(client, &byte, 1);  // takes in the tickets; nothing else is there to read
  ERR_clear_error();
  return client_done && server_done;
}

}  // namespace paygate::test
