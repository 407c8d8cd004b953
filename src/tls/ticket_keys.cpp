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

// The two keys of one period. Derived once per period and thread, not per ticket: a ticket is
// sealed twice per TLS 1.3 handshake and opened once per resumption, and each derivation costs
// two HMACs with OpenSSL 3's algorithm lookups (name map, locks) on the handshake path.
struct PeriodKeys {
  std::uint64_t period = 0;
  bool valid = false;
  Bytes32 aes{};
  Bytes32 hmac{};
};

const PeriodKeys& keys_of(std::uint64_t period) {
  thread_local std::array<PeriodKeys, 2> cache{};  // the current and the previous period
  PeriodKeys& slot = cache[period % 2];
  if (!slot.valid || slot.period != period) {
    slot.aes = derive('e', period);
    slot.hmac = derive('m', period);
    slot.period = period;
    slot.valid = true;
  }
  return slot;
}

// AES-256-CBC fetched once: passing EVP_aes_256_cbc() would fetch it again at every init.
const EVP_CIPHER* ticket_cipher() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  return cipher;
}

bool init_keys(std::uint64_t period, const unsigned char* iv, EVP_CIPHER_CTX* cipher,
               EVP_MAC_CTX* mac, int seal) {
  const PeriodKeys& keys = keys_of(period);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(
          OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(keys.hmac.data()), keys.hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  return ticket_cipher() != nullptr &&
         EVP_CipherInit_ex(cipher, ticket_cipher(), nullptr, keys.aes.data(), iv, seal) == 1 &&
         EVP_MAC_CTX_set_params(mac, params) == 1;
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
