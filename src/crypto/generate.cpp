#include "crypto/generate.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <ctime>

#include "crypto/random.h"
#include "crypto/signature.h"

namespace paygate::crypto {

namespace {

constexpr std::size_t kRsaBits = 2048;
constexpr int kMaxValidityDays = 36500;
constexpr std::string_view kOrigin = "generated certificate";

using BignumHandle = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;

core::Error generate_error(std::string_view what) { return detail::load_error(kOrigin, what); }

std::string drain_bio(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

// Positive and exactly 20 bytes: RFC 5280 allows at most 20 octets, so the top bit must be
// clear (no sign byte), and a non-zero top nibble keeps the hex text at 40 digits.
bool set_random_serial(X509* x509) {
  std::array<unsigned char, kCertificateSerialBytes> bytes{};
  if (!random_bytes(bytes)) return false;
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x3F) | 0x40);
  BignumHandle number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  return number != nullptr &&
         BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(x509)) != nullptr;
}

bool add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return true;
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                    0) == 1;
}

// Self-signed: subject and issuer are the same name.
bool set_names(X509* x509, const CertificateSpec& spec) {
  X509_NAME* name = X509_get_subject_name(x509);
  return add_name_entry(name, "CN", spec.common_name) &&
         add_name_entry(name, "O", spec.organization) && add_name_entry(name, "C", "CN") &&
         X509_set_issuer_name(x509, name) == 1;
}

bool set_validity(X509* x509, const CertificateSpec& spec) {
  std::chrono::sys_seconds start = spec.not_before;
  if (start.time_since_epoch().count() == 0) {
    start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
  auto end = start + std::chrono::days(spec.validity_days);
  auto to_time_t = [](std::chrono::sys_seconds t) {
    return static_cast<std::time_t>(t.time_since_epoch().count());
  };
  return ASN1_TIME_set(X509_getm_notBefore(x509), to_time_t(start)) != nullptr &&
         ASN1_TIME_set(X509_getm_notAfter(x509), to_time_t(end)) != nullptr;
}

// SHA-256 for RSA; SM3 with the default SM2 user id, which verifiers assume when none is given.
bool sign_certificate(X509* x509, const PrivateKey& key) {
  MdCtxHandle ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return false;
  PkeyCtxHandle sm2_pctx;
  const char* digest = "SHA256";
  if (key.algorithm() == KeyAlgorithm::kSm2) {
    digest = "SM3";
    sm2_pctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key.native(), nullptr));
    if (sm2_pctx == nullptr ||
        EVP_PKEY_CTX_set1_id(sm2_pctx.get(), kSm2DefaultUserId.data(),
                             static_cast<int>(kSm2DefaultUserId.size())) != 1) {
      return false;
    }
    EVP_MD_CTX_set_pkey_ctx(ctx.get(), sm2_pctx.get());
  }
  return EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key.native(),
                               nullptr) == 1 &&
         X509_sign_ctx(x509, ctx.get()) > 0;
}

Result<X509Handle> build_certificate(const CertificateSpec& spec, const PrivateKey& key) {
  X509Handle x509(X509_new());
  if (x509 == nullptr || X509_set_version(x509.get(), X509_VERSION_3) != 1 ||
      !set_random_serial(x509.get())) {
    return generate_error("cannot create the certificate or its serial");
  }
  if (!set_names(x509.get(), spec)) return generate_error("subject name rejected");
  if (!set_validity(x509.get(), spec)) return generate_error("validity dates rejected");
  if (X509_set_pubkey(x509.get(), key.native()) != 1 || !sign_certificate(x509.get(), key)) {
    return generate_error("cannot sign the certificate");
  }
  return x509;
}

}  // namespace

Result<PrivateKey> generate_private_key(KeyAlgorithm algorithm) {
  EVP_PKEY* raw = algorithm == KeyAlgorithm::kSm2
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", kRsaBits);
  if (raw == nullptr) return generate_error("key generation failed");
  auto held = detail::adopt_key(PkeyHandle(raw), kOrigin, "generated key");
  if (!held) return held.error();
  return PrivateKey(std::move(*held));
}

Result<GeneratedIdentity> generate_self_signed(const CertificateSpec& spec) {
  if (spec.validity_days < 1 || spec.validity_days > kMaxValidityDays) {
    return generate_error("validity must be 1 to 36500 days");
  }
  auto key = generate_private_key(spec.algorithm);
  if (!key) return key.error();
  auto x509 = build_certificate(spec, *key);
  if (!x509) return x509.error();
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), x509->get()) != 1) {
    return generate_error("cannot encode the certificate");
  }
  auto certificate = Certificate::from_pem(drain_bio(bio.get()), kOrigin);
  if (!certificate) return certificate.error();
  return GeneratedIdentity{std::move(*key), std::move(*certificate)};
}

Result<std::string> private_key_pem(const PrivateKey& key) {
  // Secure-heap BIO when OpenSSL has one configured; a plain memory BIO otherwise.
  BioHandle bio(BIO_new(BIO_s_secmem()));
  if (key.empty() || bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key.native(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return generate_error("cannot encode the private key");
  }
  return drain_bio(bio.get());
}

Result<std::string> public_key_pem(const PublicKey& key) {
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (key.empty() || bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.native()) != 1) {
    return generate_error("cannot encode the public key");
  }
  return drain_bio(bio.get());
}

}  // namespace paygate::crypto
