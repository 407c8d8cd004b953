// DecoyKeys: one key of each algorithm, in every snapshot's Credentials.
#include "credentials/decoy_keys.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>

#include "credentials/credentials.h"

namespace paygate::credentials {
namespace {

// The verify step checks a signature against these when a request names no merchant's key: were
// one missing, that refusal would skip the check and be quicker than a bad signature.
TEST(DecoyKeys, OneOfEachAlgorithmInEverySnapshot) {
  const Credentials credentials({}, {}, std::chrono::seconds(300), 16);
  for (const auto algorithm : {crypto::KeyAlgorithm::kRsa, crypto::KeyAlgorithm::kSm2}) {
    const crypto::PublicKey& decoy = credentials.decoy_key(algorithm);
    ASSERT_FALSE(decoy.empty()) << crypto::to_string(algorithm);
    EXPECT_EQ(decoy.algorithm(), algorithm);
  }
}

// The size of WeChat Pay's merchant keys, so that checking against it costs what theirs does.
TEST(DecoyKeys, TheRsaDecoyHas2048Bits) {
  const DecoyKeys decoys = make_decoy_keys();
  ASSERT_FALSE(decoys.rsa.empty());
  EXPECT_EQ(EVP_PKEY_get_bits(decoys.rsa.native()), 2048);
}

}  // namespace
}  // namespace paygate::credentials
