#include "tls/certificate_authority.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <memory>

#include "tls/errors.h"

namespace paygate::tls {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

// Generation is all or nothing: the first step that fails ends it, named.
struct Failed {
  const char* what;
};

void check(bool ok, const char* what) {
  if (!ok) throw Failed{what};
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

// A random positive 16-byte serial: certificates made in separate runs never share one.
void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  check(RAND_bytes(bytes, sizeof bytes) == 1, "random serial");
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  const bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  check(ok, "serial");
}

Cert new_cert(EVP_PKEY* key, const std::string& cn, long not_before, long not_after) {
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  set_random_serial(cert.get());
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

// Runs one generation; a step that failed is reported in `error`, with OpenSSL's reasons.
template <typename Make>
std::optional<PemPair> generate(std::string& error, Make make) {
  try {
    return make();
  } catch (const Failed& failed) {
    error = std::string(failed.what) + ": " + drain_errors("failed");
    return std::nullopt;
  }
}

}  // namespace

std::optional<PemPair> make_authority(const std::string& common_name,
                                      std::chrono::seconds valid_for, std::string& error) {
  return generate(error, [&] {
    Key key = new_key();
    Cert cert = new_cert(key.get(), common_name, -3600, static_cast<long>(valid_for.count()));
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
    add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign CA");
    return PemPair{cert_pem(cert.get()), key_pem(key.get())};
  });
}

std::optional<PemPair> make_certificate(const PemPair& ca, const std::vector<std::string>& names,
                                        std::chrono::seconds valid_for, std::string& error) {
  return generate(error, [&] {
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
    return PemPair{cert_pem(cert.get()), key_pem(key.get())};
  });
}

}  // namespace paygate::tls
