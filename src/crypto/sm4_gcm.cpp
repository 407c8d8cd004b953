#include "crypto/sm4_gcm.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>

namespace paygate::crypto::detail {

namespace {

constexpr std::size_t kBlock = 16;
constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;
using Bytes16 = std::array<unsigned char, kBlock>;

struct Element {  // a GF(2^128) element, bit 0 = most significant bit of hi
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
};

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void store64(std::uint64_t v, unsigned char* p) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v);
}

// SP 800-38D algorithm 1, with masks instead of branches so timing does not depend on data.
Element multiply(Element x, Element y) {
  Element z;
  Element v = y;
  for (int i = 0; i < 128; ++i) {
    std::uint64_t bit = i < 64 ? (x.hi >> (63 - i)) & 1 : (x.lo >> (127 - i)) & 1;
    std::uint64_t take = 0 - bit;
    z.hi ^= v.hi & take;
    z.lo ^= v.lo & take;
    std::uint64_t carry = 0 - (v.lo & 1);
    v.lo = (v.lo >> 1) | (v.hi << 63);
    v.hi = (v.hi >> 1) ^ (0xE100000000000000ULL & carry);
  }
  return z;
}

class Ghash {
 public:
  explicit Ghash(const Bytes16& h) : h_{load64(h.data()), load64(h.data() + 8)} {}
  void absorb(std::string_view data) {  // zero-padded to whole blocks
    for (std::size_t at = 0; at < data.size(); at += kBlock) {
      Bytes16 block{};
      std::memcpy(block.data(), data.data() + at, std::min(kBlock, data.size() - at));
      absorb_block(block.data());
    }
  }
  Bytes16 finish(std::size_t aad_bytes, std::size_t text_bytes) {
    Bytes16 lengths{};
    store64(static_cast<std::uint64_t>(aad_bytes) * 8, lengths.data());
    store64(static_cast<std::uint64_t>(text_bytes) * 8, lengths.data() + 8);
    absorb_block(lengths.data());
    Bytes16 out{};
    store64(y_.hi, out.data());
    store64(y_.lo, out.data() + 8);
    return out;
  }

 private:
  void absorb_block(const unsigned char* block) {
    y_.hi ^= load64(block);
    y_.lo ^= load64(block + 8);
    y_ = multiply(y_, h_);
  }
  Element h_;
  Element y_;
};

bool run(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, const unsigned char* key,
         const unsigned char* iv, std::string_view in, unsigned char* out) {
  int written = 0;
  if (EVP_EncryptInit_ex2(ctx, cipher, key, iv, nullptr) != 1) return false;
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  if (EVP_EncryptUpdate(ctx, out, &written, reinterpret_cast<const unsigned char*>(in.data()),
                        static_cast<int>(in.size())) != 1) {
    return false;
  }
  return EVP_EncryptFinal_ex(ctx, out + written, &written) == 1;
}

Bytes16 counter_block(std::string_view nonce, unsigned char last) {
  Bytes16 block{};
  std::memcpy(block.data(), nonce.data(), kNonce);
  block[15] = last;
  return block;
}

// The tag of (aad, ciphertext): E(K, J0) xor GHASH_H(aad, ciphertext).
bool compute_tag(EVP_CIPHER_CTX* ctx, const unsigned char* key, std::string_view nonce,
                 std::string_view aad, std::string_view ciphertext, Bytes16& tag) {
  Bytes16 zero{};
  Bytes16 h{};
  Bytes16 j0 = counter_block(nonce, 1);
  Bytes16 masked_j0{};
  std::string_view zero_view(reinterpret_cast<const char*>(zero.data()), kBlock);
  std::string_view j0_view(reinterpret_cast<const char*>(j0.data()), kBlock);
  if (!run(ctx, EVP_sm4_ecb(), key, nullptr, zero_view, h.data()) ||
      !run(ctx, EVP_sm4_ecb(), key, nullptr, j0_view, masked_j0.data())) {
    return false;
  }
  Ghash ghash(h);
  ghash.absorb(aad);
  ghash.absorb(ciphertext);
  tag = ghash.finish(aad.size(), ciphertext.size());
  for (std::size_t i = 0; i < kBlock; ++i) tag[i] ^= masked_j0[i];
  OPENSSL_cleanse(h.data(), h.size());
  return true;
}

// Counter mode from inc32(J0). OpenSSL's CTR carries into the nonce only after 2^32 blocks,
// far beyond the sizes accepted here, so it equals GCM's 32-bit increment.
bool keystream_xor(EVP_CIPHER_CTX* ctx, const unsigned char* key, std::string_view nonce,
                   std::string_view in, unsigned char* out) {
  Bytes16 counter = counter_block(nonce, 2);
  return run(ctx, EVP_sm4_ctr(), key, counter.data(), in, out);
}

bool acceptable(std::string_view nonce, std::size_t size) {
  return nonce.size() == kNonce && size < INT_MAX / 2;
}

}  // namespace

bool sm4_gcm_seal(EVP_CIPHER_CTX* ctx, const unsigned char* key16, std::string_view nonce,
                  std::string_view associated_data, std::string_view plaintext, std::string& out) {
  out.clear();
  if (!acceptable(nonce, plaintext.size())) return false;
  out.resize(plaintext.size() + kTag);
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  Bytes16 tag{};
  if (!keystream_xor(ctx, key16, nonce, plaintext, bytes) ||
      !compute_tag(ctx, key16, nonce, associated_data,
                   std::string_view(out).substr(0, plaintext.size()), tag)) {
    out.clear();
    return false;
  }
  std::memcpy(bytes + plaintext.size(), tag.data(), kTag);
  return true;
}

bool sm4_gcm_open(EVP_CIPHER_CTX* ctx, const unsigned char* key16, std::string_view nonce,
                  std::string_view associated_data, std::string_view sealed, std::string& out) {
  out.clear();
  if (!acceptable(nonce, sealed.size()) || sealed.size() < kTag) return false;
  std::string_view ciphertext = sealed.substr(0, sealed.size() - kTag);
  Bytes16 tag{};
  if (!compute_tag(ctx, key16, nonce, associated_data, ciphertext, tag) ||
      CRYPTO_memcmp(tag.data(), sealed.data() + ciphertext.size(), kTag) != 0) {
    return false;
  }
  out.resize(ciphertext.size());
  if (!keystream_xor(ctx, key16, nonce, ciphertext, reinterpret_cast<unsigned char*>(out.data()))) {
    out.clear();
    return false;
  }
  return true;
}

}  // namespace paygate::crypto::detail
