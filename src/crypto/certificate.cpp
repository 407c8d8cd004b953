#include "crypto/certificate.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>

#include "core/header_field.h"

namespace paygate::crypto {

namespace {

std::string serial_of(X509* x509) {
  std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>> number(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), nullptr));
  if (number == nullptr) return {};
  char* hex = BN_bn2hex(number.get());
  if (hex == nullptr) return {};
  std::string text = hex;
  OPENSSL_free(hex);
  return text;
}

bool to_sys_seconds(const ASN1_TIME* time, std::chrono::sys_seconds& out) {
  std::tm parts{};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return false;
  out = std::chrono::sys_seconds(std::chrono::seconds(timegm(&parts)));
  return true;
}

std::string encode_pem(X509* x509) {
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), x509) != 1) {
    clear_openssl_errors();  // the certificate is kept without its PEM
    return {};
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string_view strip_leading_zeros(std::string_view serial) {
  while (serial.size() > 1 && serial.front() == '0') serial.remove_prefix(1);
  return serial;
}

}  // namespace

Result<Certificate> Certificate::from_pem(std::string_view pem, std::string_view origin) {
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Handle x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (x509 == nullptr)
    return detail::load_error(origin, "no certificate PEM block could be parsed");
  clear_openssl_errors();  // what the decoder tried before the format that parsed
  return from_x509(std::move(x509), origin);
}

Result<Certificate> Certificate::from_file(const std::string& path) {
  auto pem = detail::read_pem_file(path);
  if (!pem) return pem.error();
  return from_pem(pem->view(), path);
}

Result<Certificate> Certificate::from_x509(X509Handle x509, std::string_view origin) {
  auto state = std::make_shared<State>();
  state->serial_hex = serial_of(x509.get());
  if (state->serial_hex.empty() || state->serial_hex.front() == '-') {
    return detail::load_error(origin, "certificate serial number is missing or negative");
  }
  if (!to_sys_seconds(X509_get0_notBefore(x509.get()), state->not_before) ||
      !to_sys_seconds(X509_get0_notAfter(x509.get()), state->not_after)) {
    return detail::load_error(origin, "certificate validity dates are malformed");
  }
  PkeyHandle pkey(X509_get_pubkey(x509.get()));
  auto key = detail::adopt_key(std::move(pkey), origin, "certificate public key");
  if (!key) return key.error();
  state->public_key = PublicKey(std::move(*key));
  state->pem = encode_pem(x509.get());
  state->x509 = std::move(x509);
  return Certificate(std::move(state));
}

bool Certificate::valid_at(std::chrono::sys_seconds now) const {
  return state_->not_before <= now && now <= state_->not_after;
}

bool Certificate::matches(const PrivateKey& key) const {
  if (key.empty()) return false;
  bool same = X509_check_private_key(state_->x509.get(), key.native()) == 1;
  clear_openssl_errors();
  return same;
}

bool same_serial(std::string_view a, std::string_view b) {
  return core::iequals(strip_leading_zeros(a), strip_leading_zeros(b));
}

}  // namespace paygate::crypto
