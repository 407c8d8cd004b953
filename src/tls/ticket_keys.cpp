#include "tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace paygate::tls {

namespace {

using Bytes32 = std::array<unsigned char, 32>;
constexpr std::array<unsigned char, 8> kNamePrefix{'p', 'g', 't', 'i', 'c', 'k', 'e', 't'};

const Bytes32& process_secret() {
  static const Bytes32 secret = [] {
    Bytes32 s{};
    if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1) {
      throw std::runtime_error("no randomness for TLS session ticket keys");
    }
    return s;
  }();
  return secret;
}

// HMAC-SHA256(secret, label || period), big-endian period.
Bytes32 derive(char label, std::uint64_t period) {
  unsigned char input[9];
  input[0] = static_cast<unsigned char>(label);
  for (int i = 0; i < 8; ++i) input[1 + i] = static_cast<unsigned char>(period >> (56 - 8 * i));
  Bytes32 out{};
  unsigned int length = 0;
  const Bytes32& secret = process_secret();
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), input, sizeof input,
       out.data(), &length);
  return out;
}

void write_name(unsigned char name[16], std::uint64_t period) {
  std::memcpy(name, kNamePrefix.data(), kNamePrefix.size());
  for (int i = 0; i < 8; ++i) name[8 + i] = static_cast<unsigned char>(period >> (56 - 8 * i));
}

bool read_name(const unsigned char name[16], std::uint64_t& period) {
  if (std::memcmp(name, kNamePrefix.data(), kNamePrefix.size()) != 0) return false;
  period = 0;
  for (int i = 0; i < 8; ++i) period = (period << 8) | name[8 + i];
  return true;
}

bool init_keys(std::uint64_t period, const unsigned char* iv, EVP_CIPHER_CTX* cipher,
               EVP_MAC_CTX* mac, int seal) {
  Bytes32 aes = derive('e', period);
  Bytes32 hmac = derive('m', period);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, hmac.data(), hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  const bool ok =
      EVP_CipherInit_ex(cipher, EVP_aes_256_cbc(), nullptr, aes.data(), iv, seal) == 1 &&
      EVP_MAC_CTX_set_params(mac, params) == 1;
  OPENSSL_cleanse(aes.data(), aes.size());
  OPENSSL_cleanse(hmac.data(), hmac.size());
  return ok;
}

}  // namespace

int ticket_key_callback(unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                        EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int seal,
                        std::chrono::seconds rotation, std::chrono::sys_seconds now) {
  const auto length = rotation.count() > 0 ? rotation.count() : 1;
  const auto current = static_cast<std::uint64_t>(now.time_since_epoch().count() / length);
  if (seal == 1) {
    if (RAND_bytes(iv, 16) != 1) return -1;
    write_name(key_name, current);
    return init_keys(current, iv, cipher, mac, 1) ? 1 : -1;
  }
  std::uint64_t period = 0;
  if (!read_name(key_name, period)) return 0;
  if (period != current && period + 1 != current) return 0;  // expired or from the future
  if (!init_keys(period, iv, cipher, mac, 0)) return -1;
  return period == current ? 1 : 2;
}

}  // namespace paygate::tls
