// The SM2 BN/EC_POINT path (sm2_signature.h) against OpenSSL's own SM2 (EVP_DigestSign /
// EVP_DigestVerify with the default user id): both directions, tampering, the nonce pool.
#include "crypto/sm2_signature.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <string>
#include <vector>

#include "crypto/generate.h"
#include "crypto/random.h"
#include "crypto/signature.h"

namespace paygate::crypto {
namespace {

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// An EVP context for OpenSSL's SM2 with the default user id, signing or verifying.
struct EvpSm2 {
  EvpSm2(EVP_PKEY* pkey, bool verify)
      : md(EVP_MD_CTX_new()), pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr)) {
    EVP_PKEY_CTX_set1_id(pctx.get(), kSm2DefaultUserId.data(),
                         static_cast<int>(kSm2DefaultUserId.size()));
    EVP_MD_CTX_set_pkey_ctx(md.get(), pctx.get());
    ready =
        (verify ? EVP_DigestVerifyInit_ex(md.get(), nullptr, "SM3", nullptr, nullptr, pkey, nullptr)
                : EVP_DigestSignInit_ex(md.get(), nullptr, "SM3", nullptr, nullptr, pkey,
                                        nullptr)) == 1;
  }
  MdCtxHandle md;
  PkeyCtxHandle pctx;
  bool ready = false;
};

bool openssl_verifies(const PublicKey& key, std::string_view message, std::string_view der) {
  EvpSm2 evp(key.native(), true);
  return evp.ready && EVP_DigestVerify(evp.md.get(), as_bytes(der), der.size(), as_bytes(message),
                                       message.size()) == 1;
}

std::string openssl_signs(const PrivateKey& key, std::string_view message) {
  EvpSm2 evp(key.native(), false);
  std::string der(80, '\0');
  std::size_t length = der.size();
  if (!evp.ready || EVP_DigestSign(evp.md.get(), reinterpret_cast<unsigned char*>(der.data()),
                                   &length, as_bytes(message), message.size()) != 1) {
    return {};
  }
  der.resize(length);
  return der;
}

std::string random_message(std::size_t length) {
  std::string message(length, '\0');
  random_bytes({reinterpret_cast<unsigned char*>(message.data()), message.size()});
  return message;
}

PublicKey public_half(const PrivateKey& key) { return PublicKey(detail::KeyHolder(key)); }

BnHandle bn_from_hex(const char* hex) {
  BIGNUM* value = nullptr;
  BN_hex2bn(&value, hex);
  return BnHandle(value);
}

std::string hex_of(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char c : bytes) text.append({kDigits[c >> 4], kDigits[c & 15]});
  return text;
}

// An SM2 PrivateKey with a chosen scalar d (public point by OpenSSL's own EC_POINT_mul).
PrivateKey key_from_scalar(const BIGNUM* d) {
  EcGroupHandle group(EC_GROUP_new_by_curve_name(NID_sm2));
  EcPointHandle point(EC_POINT_new(group.get()));
  unsigned char encoded[65];
  EC_POINT_mul(group.get(), point.get(), d, nullptr, nullptr, nullptr);
  EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, encoded,
                     sizeof encoded, nullptr);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_PRIV_KEY, d);
  OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, encoded, sizeof encoded);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  PkeyCtxHandle ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_fromdata_init(ctx.get());
  EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEYPAIR, params);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  auto held = detail::adopt_key(PkeyHandle(pkey), "test", "SM2 private key");
  return held ? PrivateKey(*held) : PrivateKey();
}

// Re-encodes der with r or s replaced (by a value no valid signature has).
std::string with_component(std::string_view der, bool replace_r, const BIGNUM* value) {
  const unsigned char* cursor = as_bytes(der);
  EcdsaSigHandle sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  BIGNUM* r = BN_dup(ECDSA_SIG_get0_r(sig.get()));
  BIGNUM* s = BN_dup(ECDSA_SIG_get0_s(sig.get()));
  BN_copy(replace_r ? r : s, value);
  ECDSA_SIG_set0(sig.get(), r, s);
  std::string out(80, '\0');
  auto* write = reinterpret_cast<unsigned char*>(out.data());
  out.resize(static_cast<std::size_t>(i2d_ECDSA_SIG(sig.get(), &write)));
  return out;
}

class Sm2SignatureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (int i = 0; i < 3; ++i) {
      auto key = generate_private_key(KeyAlgorithm::kSm2);
      ASSERT_TRUE(key);
      keys_.push_back(*key);
    }
  }
  static void TearDownTestSuite() { keys_.clear(); }

  static std::vector<PrivateKey> keys_;
  const Sm2Curve& curve_ = *Sm2Curve::instance();
};

std::vector<PrivateKey> Sm2SignatureTest::keys_;

TEST_F(Sm2SignatureTest, CurveTableMultipliesLikeOpenssl) {
  BnCtxHandle ctx(BN_CTX_new());
  EcPointHandle ours(EC_POINT_new(curve_.group())), theirs(EC_POINT_new(curve_.group()));
  BnHandle k(BN_new());
  std::vector<BnHandle> scalars;
  scalars.push_back(bn_from_hex("1"));
  scalars.push_back(BnHandle(BN_dup(curve_.order())));
  BN_sub_word(scalars.back().get(), 1);  // n - 1
  scalars.push_back(bn_from_hex("10"));  // one window, offset digits still cancel
  for (int i = 0; i < 50; ++i) {
    scalars.push_back(BnHandle(BN_new()));
    ASSERT_EQ(BN_rand_range(scalars.back().get(), curve_.order()), 1);
  }
  for (const auto& scalar : scalars) {
    if (BN_is_zero(scalar.get())) continue;
    ASSERT_TRUE(curve_.multiply_public_generator(scalar.get(), ours.get(), ctx.get()));
    ASSERT_EQ(EC_POINT_mul(curve_.group(), theirs.get(), scalar.get(), nullptr, nullptr, ctx.get()),
              1);
    EXPECT_EQ(EC_POINT_cmp(curve_.group(), ours.get(), theirs.get(), ctx.get()), 0);
    ASSERT_TRUE(curve_.multiply_secret_generator(scalar.get(), ours.get(), ctx.get()));
    EXPECT_EQ(EC_POINT_cmp(curve_.group(), ours.get(), theirs.get(), ctx.get()), 0);
  }
}

TEST_F(Sm2SignatureTest, KeyTableMultipliesLikeOpenssl) {
  BnCtxHandle ctx(BN_CTX_new());
  BnHandle d(BN_new()), k(BN_new());
  ASSERT_EQ(BN_rand_range(d.get(), curve_.order()), 1);
  EcPointHandle base(EC_POINT_new(curve_.group()));
  ASSERT_EQ(EC_POINT_mul(curve_.group(), base.get(), d.get(), nullptr, nullptr, ctx.get()), 1);
  auto table = Sm2FixedBaseTable::build(curve_.group(), base.get(), ctx.get());
  ASSERT_NE(table, nullptr);
  EcPointHandle ours(EC_POINT_new(curve_.group())), theirs(EC_POINT_new(curve_.group()));
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(BN_rand_range(k.get(), curve_.order()), 1);
    ASSERT_TRUE(table->multiply(k.get(), ours.get(), ctx.get()));
    ASSERT_EQ(EC_POINT_mul(curve_.group(), theirs.get(), nullptr, base.get(), k.get(), ctx.get()),
              1);
    EXPECT_EQ(EC_POINT_cmp(curve_.group(), ours.get(), theirs.get(), ctx.get()), 0);
  }
}

// Past kSm2KeyTableAfter verifications in a row the key's own table takes over: the same
// answers, for good signatures and tampered ones, and again after switching keys.
TEST_F(Sm2SignatureTest, VerifierWithKeyTableKeepsItsAnswers) {
  Verifier verifier;
  std::vector<std::string> messages, signatures;
  for (int i = 0; i < 20; ++i) {
    messages.push_back(random_message(50));
    signatures.push_back(openssl_signs(keys_[0], messages.back()));
  }
  for (const auto& key : {keys_[0], keys_[1], keys_[0]}) {
    const bool signer = key.native() == keys_[0].native();
    for (std::size_t round = 0; round < kSm2KeyTableAfter + 40; ++round) {
      const std::size_t i = round % messages.size();
      EXPECT_EQ(verifier.verify(public_half(key), messages[i], signatures[i]), signer) << round;
      EXPECT_FALSE(verifier.verify(public_half(key), messages[i] + "x", signatures[i]));
    }
  }
}

TEST_F(Sm2SignatureTest, PooledSignaturesVerifyWithOpenssl) {
  Signer signer;
  std::string der;
  for (const auto& key : keys_) {
    ASSERT_EQ(signer.precompute_sm2(100), 100u);
    std::size_t stocked = signer.sm2_pool_size();
    for (std::size_t length : {0u, 1u, 31u, 64u, 200u, 1000u}) {
      for (int round = 0; round < 10; ++round) {
        std::string message = random_message(length);
        ASSERT_TRUE(signer.sign(key, message, der));
        EXPECT_TRUE(openssl_verifies(public_half(key), message, der)) << length;
      }
    }
    EXPECT_EQ(signer.sm2_pool_size(), stocked - 60);  // one nonce per signature
  }
}

TEST_F(Sm2SignatureTest, EmptyPoolStillSignsCorrectly) {
  Signer signer;
  std::string der;
  for (const auto& key : keys_) {
    for (int round = 0; round < 20; ++round) {
      std::string message = random_message(100);
      ASSERT_TRUE(signer.sign(key, message, der));
      EXPECT_TRUE(openssl_verifies(public_half(key), message, der));
      EXPECT_EQ(signer.sm2_pool_size(), 0u);
    }
  }
}

TEST_F(Sm2SignatureTest, EachPooledNonceIsUsedOnce) {
  Signer signer(8);
  EXPECT_EQ(signer.precompute_sm2(100), 8u);  // bounded
  EXPECT_EQ(signer.precompute_sm2(1), 0u);    // full
  std::vector<std::string> signatures;
  std::string der;
  for (int i = 0; i < 10; ++i) {  // 8 pooled, then 2 with the pool empty
    ASSERT_TRUE(signer.sign(keys_[0], "same message", der));
    EXPECT_EQ(signer.sm2_pool_size(), i < 8 ? 7u - static_cast<std::size_t>(i) : 0u);
    for (const auto& earlier : signatures) EXPECT_NE(der, earlier);
    signatures.push_back(der);
  }
}

TEST_F(Sm2SignatureTest, VerifierAcceptsOpensslSignatures) {
  Verifier verifier;
  for (const auto& key : keys_) {
    for (int round = 0; round < 30; ++round) {
      std::string message = random_message(static_cast<std::size_t>(round) * 37);
      std::string der = openssl_signs(key, message);
      ASSERT_FALSE(der.empty());
      EXPECT_TRUE(verifier.verify(public_half(key), message, der));
    }
  }
}

TEST_F(Sm2SignatureTest, VerifierRejectsTamperedSignatures) {
  Verifier verifier;
  PublicKey key = public_half(keys_[0]);
  std::string message = "POST\n/v3/pay/transactions/jsapi\n1700000000\nnonce\n{}\n";
  std::string der = openssl_signs(keys_[0], message);
  ASSERT_TRUE(verifier.verify(key, message, der));

  EXPECT_FALSE(verifier.verify(key, message + " ", der));
  EXPECT_FALSE(verifier.verify(public_half(keys_[1]), message, der));
  BnHandle zero(BN_new()), n(BN_dup(curve_.order())), n_plus(BN_dup(curve_.order()));
  BN_zero(zero.get());
  BN_add_word(n_plus.get(), 5);
  const unsigned char* cursor = as_bytes(der);
  EcdsaSigHandle sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  BnHandle r_plus(BN_dup(ECDSA_SIG_get0_r(sig.get()))), s_plus(BN_dup(ECDSA_SIG_get0_s(sig.get())));
  BN_add_word(r_plus.get(), 1);
  BN_add_word(s_plus.get(), 1);
  for (bool replace_r : {true, false}) {
    for (const BIGNUM* value : {zero.get(), n.get(), n_plus.get()}) {
      EXPECT_FALSE(verifier.verify(key, message, with_component(der, replace_r, value)));
    }
  }
  EXPECT_FALSE(verifier.verify(key, message, with_component(der, true, r_plus.get())));
  EXPECT_FALSE(verifier.verify(key, message, with_component(der, false, s_plus.get())));
  // Bad DER: truncated, trailing byte, empty, a long-form length where short form is due.
  EXPECT_FALSE(verifier.verify(key, message, der.substr(0, der.size() - 1)));
  EXPECT_FALSE(verifier.verify(key, message, der + '\0'));
  EXPECT_FALSE(verifier.verify(key, message, ""));
  std::string long_form = der;
  long_form.replace(1, 1, std::string("\x81", 1) + der[1]);
  EXPECT_FALSE(verifier.verify(key, message, long_form));
  // Still fine afterwards: failures leave no state behind.
  EXPECT_TRUE(verifier.verify(key, message, der));
}

// Known answer: the published SM2 signature sample on the recommended curve with the default
// user id "1234567812345678" (GM/T 0003.5-2012 / GB/T 32918.5-2017; OpenSSL's own SM2 tests
// use it too): d, k and "message digest" in; Z_A, e, r and s out. The nonce is injected through
// the online step; x1 comes from OpenSSL's own ladder, not from our table. OpenSSL's verifier
// and the signing equation (1 + d)·s = k - r·d (mod n), redone with plain BN calls, check it too.
TEST_F(Sm2SignatureTest, KnownAnswerWithFixedNonce) {
  BnHandle d = bn_from_hex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
  BnHandle k = bn_from_hex("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21");
  PrivateKey key = key_from_scalar(d.get());
  ASSERT_FALSE(key.empty());
  auto signing_key = Sm2SigningKey::from(key.native(), curve_);
  ASSERT_NE(signing_key, nullptr);

  BnCtxHandle ctx(BN_CTX_new());
  EcGroupHandle plain_group(EC_GROUP_new_by_curve_name(NID_sm2));
  EcPointHandle kg(EC_POINT_new(plain_group.get()));
  BnHandle x1(BN_new()), n(BN_dup(curve_.order()));
  ASSERT_EQ(EC_POINT_mul(plain_group.get(), kg.get(), k.get(), nullptr, nullptr, ctx.get()), 1);
  ASSERT_EQ(
      EC_POINT_get_affine_coordinates(plain_group.get(), kg.get(), x1.get(), nullptr, ctx.get()),
      1);
  BN_nnmod(x1.get(), x1.get(), n.get(), ctx.get());
  Sm2Nonce nonce{};
  BN_bn2binpad(k.get(), nonce.k, kSm2ScalarBytes);
  BN_bn2binpad(x1.get(), nonce.x1, kSm2ScalarBytes);

  const std::string message = "message digest";
  MdCtxHandle md(EVP_MD_CTX_new());
  Sm2Digest e{};
  ASSERT_TRUE(sm2_message_digest(md.get(), signing_key->z(), message, e));
  const std::string_view z_view(reinterpret_cast<const char*>(signing_key->z().data()), 32);
  const std::string_view e_view(reinterpret_cast<const char*>(e.data()), 32);
  EXPECT_EQ(hex_of(z_view), "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3");
  EXPECT_EQ(hex_of(e_view), "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640");
  std::string der;
  ASSERT_TRUE(finish_sm2_signature(curve_, *signing_key, e, nonce, ctx.get(), der));
  EXPECT_TRUE(openssl_verifies(public_half(key), message, der));

  const unsigned char* cursor = as_bytes(der);
  EcdsaSigHandle sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  ASSERT_NE(sig, nullptr);
  BnHandle e_value(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  BnHandle expected_r(BN_new()), left(BN_new()), right(BN_new()), one_plus_d(BN_dup(d.get()));
  BN_mod_add(expected_r.get(), e_value.get(), x1.get(), n.get(), ctx.get());
  EXPECT_EQ(BN_cmp(expected_r.get(), ECDSA_SIG_get0_r(sig.get())), 0);
  BN_add_word(one_plus_d.get(), 1);
  BN_mod_mul(left.get(), one_plus_d.get(), ECDSA_SIG_get0_s(sig.get()), n.get(), ctx.get());
  BN_mod_mul(right.get(), expected_r.get(), d.get(), n.get(), ctx.get());
  BN_mod_sub(right.get(), k.get(), right.get(), n.get(), ctx.get());
  EXPECT_EQ(BN_cmp(left.get(), right.get()), 0);

  // DER of r = F5A03B06...EE720B3, s = B1B6AA29...85BBC1AA (both with a leading 00: high bit set).
  EXPECT_EQ(hex_of(der),
            "3046022100f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
            "022100b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa");
}

TEST_F(Sm2SignatureTest, RejectsUnusableNonce) {
  // k = n - r makes r + k = n: the signer must refuse that pair (GB/T 32918.2 step A5).
  auto signing_key = Sm2SigningKey::from(keys_[0].native(), curve_);
  ASSERT_NE(signing_key, nullptr);
  Sm2Digest e{};
  e[31] = 7;  // e = 7
  Sm2Nonce nonce{};
  nonce.x1[31] = 1;  // x1 = 1, so r = 8
  BnHandle k(BN_dup(curve_.order()));
  BN_sub_word(k.get(), 8);
  BN_bn2binpad(k.get(), nonce.k, kSm2ScalarBytes);
  BnCtxHandle ctx(BN_CTX_new());
  std::string der;
  EXPECT_FALSE(finish_sm2_signature(curve_, *signing_key, e, nonce, ctx.get(), der));
  EXPECT_TRUE(der.empty());
}

}  // namespace
}  // namespace paygate::crypto
