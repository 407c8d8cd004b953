// Micro-benchmarks of the signed path's cryptography. Each of ours runs beside a raw OpenSSL
// baseline in the same binary: the "Raw" benchmarks create a fresh EVP_MD_CTX per
// message, the way a naive caller would; ours reuse per-thread contexts.
// Needs PAYGATE_TEST_DATA (the tests/data directory) as a compile definition for the keys.

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <string>

#include "crypto/aead.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/sensitive.h"
#include "crypto/signature.h"
#include "wechatpay/authorization.h"
#include "wechatpay/message.h"

namespace {

using namespace paygate;

std::string data_path(const char* name) {
  return std::string(PAYGATE_TEST_DATA) + "/crypto/" + name;
}

template <class Key>
Key load(const char* name) {
  auto key = Key::from_file(data_path(name));
  if (!key) std::abort();
  return *key;
}

std::string message() {
  std::string out;
  wechatpay::build_request_message("POST", "/v3/pay/transactions/jsapi", "1700000000",
                                   "593BEC0C930BF1AFEB40B4A08C8FB242", std::string(512, 'b'), out);
  return out;
}

void sign_bench(benchmark::State& state, const char* key_name) {
  auto key = load<crypto::PrivateKey>(key_name);
  crypto::Signer signer;
  std::string msg = message(), signature;
  for (auto _ : state) {
    if (!signer.sign(key, msg, signature)) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(signature.data());
  }
}

void verify_bench(benchmark::State& state, const char* key_name, const char* public_name) {
  auto key = load<crypto::PrivateKey>(key_name);
  auto cert = crypto::Certificate::from_file(data_path(public_name));
  if (!cert) std::abort();
  crypto::Signer signer;
  crypto::Verifier verifier;
  std::string msg = message(), signature;
  signer.sign(key, msg, signature);
  for (auto _ : state) {
    if (!verifier.verify(cert->public_key(), msg, signature)) state.SkipWithError("verify failed");
  }
}

void BM_RsaSign(benchmark::State& state) { sign_bench(state, "merchant_rsa_key.pem"); }
void BM_RsaVerify(benchmark::State& state) {
  verify_bench(state, "merchant_rsa_key.pem", "merchant_rsa_cert.pem");
}
void BM_Sm2Sign(benchmark::State& state) { sign_bench(state, "sm2_key.pem"); }
void BM_Sm2Verify(benchmark::State& state) { verify_bench(state, "sm2_key.pem", "sm2_cert.pem"); }

// SM2 from a warm nonce pool: the online part only (refills are paused out of the timing; the
// refill's cost is what BM_Sm2Sign, whose pool stays empty, pays per signature).
void BM_Sm2SignPooled(benchmark::State& state) {
  auto key = load<crypto::PrivateKey>("sm2_key.pem");
  crypto::Signer signer;
  std::string msg = message(), signature;
  for (auto _ : state) {
    if (signer.sm2_pool_size() == 0) {
      state.PauseTiming();
      signer.precompute_sm2(signer.sm2_pool_capacity());
      state.ResumeTiming();
    }
    if (!signer.sign(key, msg, signature)) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(signature.data());
  }
}

// Baseline: SM2 through EVP, as crypto::Signer did before its BN/EC_POINT path.
void BM_EvpSm2Sign(benchmark::State& state) {
  auto key = load<crypto::PrivateKey>("sm2_key.pem");
  crypto::detail::DigestContext context;
  std::string msg = message();
  unsigned char signature[80];
  for (auto _ : state) {
    std::size_t length = sizeof signature;
    if (!context.start(key.native(), crypto::KeyAlgorithm::kSm2, false) ||
        EVP_DigestSign(context.native(), signature, &length,
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1) {
      state.SkipWithError("sign failed");
    }
    benchmark::DoNotOptimize(signature);
  }
}

// Baseline: plain OpenSSL with a context created per message.
void BM_RawOpensslRsaSign(benchmark::State& state) {
  auto key = load<crypto::PrivateKey>("merchant_rsa_key.pem");
  std::string msg = message();
  unsigned char signature[512];
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t length = sizeof signature;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.native());
    EVP_DigestSign(ctx, signature, &length, reinterpret_cast<const unsigned char*>(msg.data()),
                   msg.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(signature);
  }
}

// Sensitive fields (docs/protocol.md §6): RSA-OAEP is the reference for SM2 encryption.
void encrypt_bench(benchmark::State& state, const char* cert_name) {
  auto cert = crypto::Certificate::from_file(data_path(cert_name));
  if (!cert) std::abort();
  for (auto _ : state) {
    auto ciphertext = crypto::encrypt_sensitive(cert->public_key(), "13800138000");
    if (!ciphertext) state.SkipWithError("encrypt failed");
  }
}

void decrypt_bench(benchmark::State& state, const char* key_name, const char* cert_name) {
  auto key = load<crypto::PrivateKey>(key_name);
  auto cert = crypto::Certificate::from_file(data_path(cert_name));
  if (!cert) std::abort();
  auto ciphertext = crypto::encrypt_sensitive(cert->public_key(), "13800138000");
  if (!ciphertext) std::abort();
  for (auto _ : state) {
    if (!crypto::decrypt_sensitive(key, *ciphertext)) state.SkipWithError("decrypt failed");
  }
}

void BM_RsaOaepEncrypt(benchmark::State& state) { encrypt_bench(state, "platform_rsa_cert.pem"); }
void BM_RsaOaepDecrypt(benchmark::State& state) {
  decrypt_bench(state, "platform_rsa_key.pem", "platform_rsa_cert.pem");
}
void BM_Sm2Encrypt(benchmark::State& state) { encrypt_bench(state, "sm2_cert.pem"); }
void BM_Sm2Decrypt(benchmark::State& state) { decrypt_bench(state, "sm2_key.pem", "sm2_cert.pem"); }

void aead_bench(benchmark::State& state, crypto::AeadAlgorithm algorithm) {
  auto key = crypto::ApiV3Key::from_text("0123456789abcdefghijABCDEFGHIJ_+", "bench");
  if (!key) std::abort();
  crypto::Aead aead;
  std::string plaintext(1024, 'p'), sealed, opened;
  for (auto _ : state) {
    aead.seal(*key, algorithm, "0123456789ab", "transaction", plaintext, sealed);
    if (!aead.open(*key, algorithm, "0123456789ab", "transaction", sealed, opened)) {
      state.SkipWithError("open failed");
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 2 * 1024);
}

void BM_AesGcm1KiB(benchmark::State& state) {
  aead_bench(state, crypto::AeadAlgorithm::kAes256Gcm);
}
void BM_Sm4Gcm1KiB(benchmark::State& state) { aead_bench(state, crypto::AeadAlgorithm::kSm4Gcm); }

void BM_AuthorizationParse(benchmark::State& state) {
  std::string header =
      "WECHATPAY2-SHA256-RSA2048 "
      "mchid=\"1900009191\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\","
      "timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\",signature="
      "\"" +
      std::string(344, 'A') + "\"";
  wechatpay::Authorization parsed;
  for (auto _ : state) {
    if (!wechatpay::parse_authorization(header, parsed).ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parsed);
  }
}

}  // namespace

BENCHMARK(BM_RsaSign);
BENCHMARK(BM_RawOpensslRsaSign);
BENCHMARK(BM_RsaVerify);
BENCHMARK(BM_Sm2Sign);
BENCHMARK(BM_Sm2Verify);
BENCHMARK(BM_Sm2SignPooled);
BENCHMARK(BM_EvpSm2Sign);
BENCHMARK(BM_RsaOaepEncrypt);
BENCHMARK(BM_RsaOaepDecrypt);
BENCHMARK(BM_Sm2Encrypt);
BENCHMARK(BM_Sm2Decrypt);
BENCHMARK(BM_AesGcm1KiB);
BENCHMARK(BM_Sm4Gcm1KiB);
BENCHMARK(BM_AuthorizationParse);
BENCHMARK_MAIN();
