#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <fstream>
#include <iterator>
#include <utility>

#include "core/bounded_read.h"

namespace paygate::crypto {

namespace {

constexpr int kMinRsaBits = 2048;
constexpr std::size_t kMaxPemFileBytes = 1 << 20;

// Never prompt on a terminal for a passphrase: an encrypted key is a configuration error.
int refuse_passphrase(char*, int, int, void*) { return -1; }

bool is_sm2(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "SM2")) return true;
  if (!EVP_PKEY_is_a(pkey, "EC")) return false;
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &length) != 1) {
    clear_openssl_errors();  // the key is then tried as RSA: nothing may stay queued
    return false;
  }
  return std::string_view(group, length) == "SM2";
}

BioHandle memory_bio(std::string_view pem) {
  return BioHandle(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// OpenSSL's decoders try one format after another (PKCS#8, then the traditional forms, each
// key type); a key that did parse may leave the failures of the ones tried first queued, where
// the next caller on this thread would read them as its own.
PkeyHandle parsed(EVP_PKEY* pkey) {
  if (pkey != nullptr) clear_openssl_errors();
  return PkeyHandle(pkey);
}

}  // namespace

std::string_view to_string(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kRsa ? "RSA" : "SM2";
}

namespace detail {

KeyHolder::KeyHolder(PkeyHandle pkey, KeyAlgorithm algorithm)
    : pkey_(std::move(pkey)), algorithm_(algorithm) {}

KeyHolder::KeyHolder(const KeyHolder& other) : algorithm_(other.algorithm_) {
  if (other.pkey_ != nullptr && EVP_PKEY_up_ref(other.pkey_.get()) == 1) {
    pkey_.reset(other.pkey_.get());
  }
}

KeyHolder& KeyHolder::operator=(const KeyHolder& other) {
  if (this != &other) *this = KeyHolder(other);
  return *this;
}

core::Error load_error(std::string_view origin, std::string_view what) {
  core::Error error{core::ErrorKind::kInternal, {}};
  error.detail.append(origin).append(": ").append(what);
  std::string reasons = drain_openssl_errors();
  if (!reasons.empty()) error.detail.append(" (").append(reasons).append(")");
  return error;
}

Result<KeyHolder> adopt_key(PkeyHandle pkey, std::string_view origin, std::string_view what) {
  if (pkey == nullptr) {
    std::string text = "no ";
    text.append(what).append(" PEM block could be parsed");
    return load_error(origin, text);
  }
  if (is_sm2(pkey.get())) return KeyHolder(std::move(pkey), KeyAlgorithm::kSm2);
  if (!EVP_PKEY_is_a(pkey.get(), "RSA")) {
    return load_error(origin, std::string(what) + " is neither RSA nor SM2");
  }
  if (EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits) {
    return load_error(origin, std::string(what) + " is an RSA key shorter than 2048 bits");
  }
  return KeyHolder(std::move(pkey), KeyAlgorithm::kRsa);
}

Result<SecretBuffer> read_pem_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return load_error(path, "cannot open file");
  SecretBuffer text;
  // Room for the largest file read_bounded() may hold, so the secret is never copied by a
  // growing buffer (the pages are only touched as far as the file goes).
  text.reserve(kMaxPemFileBytes + 1);
  switch (core::read_bounded(in, kMaxPemFileBytes, text.text())) {
    case core::BoundedRead::kFailed: return load_error(path, "cannot read file");
    case core::BoundedRead::kTooLarge: return load_error(path, "file larger than 1 MiB");
    case core::BoundedRead::kOk: break;
  }
  return text;
}

}  // namespace detail

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view origin) {
  BioHandle bio = memory_bio(pem);
  PkeyHandle pkey = parsed(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
  auto held = detail::adopt_key(std::move(pkey), origin, "private key");
  if (!held) return held.error();
  return PrivateKey(std::move(*held));
}

Result<PrivateKey> PrivateKey::from_file(const std::string& path) {
  auto pem = detail::read_pem_file(path);
  if (!pem) return pem.error();
  return from_pem(pem->view(), path);
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem, std::string_view origin) {
  BioHandle bio = memory_bio(pem);
  PkeyHandle pkey = parsed(PEM_read_bio_PUBKEY(bio.get(), nullptr, refuse_passphrase, nullptr));
  auto held = detail::adopt_key(std::move(pkey), origin, "public key");
  if (!held) return held.error();
  return PublicKey(std::move(*held));
}

Result<PublicKey> PublicKey::from_file(const std::string& path) {
  auto pem = detail::read_pem_file(path);
  if (!pem) return pem.error();
  return from_pem(pem->view(), path);
}

bool PublicKey::matches(const PrivateKey& key) const {
  if (empty() || key.empty()) return false;
  const bool same = EVP_PKEY_eq(native(), key.native()) == 1;
  clear_openssl_errors();
  return same;
}

}  // namespace paygate::crypto
