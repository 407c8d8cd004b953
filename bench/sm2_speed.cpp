// sm2_speed: paygate's SM2 Signer and Verifier in isolation, for bench/sm2.sh, which runs it
// beside `openssl speed sm2` on one core. One run measures, for --seconds each:
//   warm:   signatures from a full nonce pool; the pool is refilled (timed apart) whenever it is
//           empty, so both the online cost and the cost including the refill are known;
//   empty:  signatures with the pool left empty (each makes its nonce on the spot);
//   verify: crypto::Verifier over signatures made beforehand, by one key (so after 64
//           verifications it uses that key's own table, as a worker verifying one merchant
//           does);
//   turns:  the same with two keys taking turns, so that no key table is ever built;
//   evp:    the path before issue 19 (EVP_DigestSign / EVP_DigestVerify through
//           crypto::detail::DigestContext), as a reference.
// Rates are per CPU second of this thread (CLOCK_THREAD_CPUTIME_ID), as openssl speed reports.
// Output, one line:
//   warm_online=.. warm_with_refill=.. empty=.. verify=.. evp_sign=.. evp_verify=.. turns=..
// Usage: sm2_speed [--seconds S] [--message-bytes N]   (defaults 2 and 36, openssl speed's size)

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/generate.h"
#include "crypto/signature.h"

namespace {

using namespace paygate;

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Options {
  double seconds = 2;
  std::size_t message_bytes = 36;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--seconds") {
      options.seconds = std::atof(argv[i + 1]);
    } else if (flag == "--message-bytes") {
      options.message_bytes = static_cast<std::size_t>(std::atol(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: sm2_speed [--seconds S] [--message-bytes N]\n");
      std::exit(2);
    }
  }
  return options;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "sm2_speed: %s failed\n", what);
  std::exit(1);
}

struct WarmRates {
  double online;
  double with_refill;
};

// Signs from a full pool until it is empty, refills it, and so on until the time is up.
WarmRates measure_warm(const crypto::PrivateKey& key, const std::string& message, double seconds) {
  crypto::Signer signer;
  std::string out;
  double online = 0, refill = 0;
  std::size_t count = 0;
  while (online + refill < seconds) {
    double t0 = cpu_seconds();
    signer.precompute_sm2(signer.sm2_pool_capacity());
    double t1 = cpu_seconds();
    std::size_t stocked = signer.sm2_pool_size();
    for (std::size_t i = 0; i < stocked; ++i) {
      if (!signer.sign(key, message, out)) fail("sign (warm)");
    }
    double t2 = cpu_seconds();
    refill += t1 - t0;
    online += t2 - t1;
    count += stocked;
  }
  return {static_cast<double>(count) / online, static_cast<double>(count) / (online + refill)};
}

template <class Operation>
double rate(double seconds, Operation operation) {
  std::size_t count = 0;
  double start = cpu_seconds(), elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 16; ++i) operation();
    count += 16;
    elapsed = cpu_seconds() - start;
  }
  return static_cast<double>(count) / elapsed;
}

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  auto key = crypto::generate_private_key(crypto::KeyAlgorithm::kSm2);
  if (!key) fail("key generation");
  const crypto::PublicKey public_key{crypto::detail::KeyHolder(*key)};
  const std::string message(options.message_bytes, 'm');

  WarmRates warm = measure_warm(*key, message, options.seconds);

  crypto::Signer empty_signer;
  std::string signature;
  double empty = rate(options.seconds, [&] {
    if (!empty_signer.sign(*key, message, signature)) fail("sign (empty)");
  });

  crypto::Verifier verifier;
  double verify = rate(options.seconds, [&] {
    if (!verifier.verify(public_key, message, signature)) fail("verify");
  });

  crypto::detail::DigestContext evp;
  std::string evp_signature(80, '\0');
  double evp_sign = rate(options.seconds, [&] {
    std::size_t length = evp_signature.size();
    if (!evp.start(key->native(), crypto::KeyAlgorithm::kSm2, false) ||
        EVP_DigestSign(evp.native(), reinterpret_cast<unsigned char*>(evp_signature.data()),
                       &length, as_bytes(message), message.size()) != 1) {
      fail("EVP_DigestSign");
    }
  });
  auto other = crypto::generate_private_key(crypto::KeyAlgorithm::kSm2);
  if (!other) fail("key generation");
  const crypto::PublicKey other_public{crypto::detail::KeyHolder(*other)};
  std::string other_signature;
  if (!empty_signer.sign(*other, message, other_signature)) fail("sign (other key)");
  crypto::Verifier turns_verifier;
  bool first = true;
  double turns = rate(options.seconds, [&] {
    first = !first;
    if (!turns_verifier.verify(first ? public_key : other_public, message,
                               first ? signature : other_signature)) {
      fail("verify (turns)");
    }
  });

  double evp_verify = rate(options.seconds, [&] {
    if (!evp.start(key->native(), crypto::KeyAlgorithm::kSm2, true) ||
        EVP_DigestVerify(evp.native(), as_bytes(signature), signature.size(), as_bytes(message),
                         message.size()) != 1) {
      fail("EVP_DigestVerify");
    }
  });

  std::printf(
      "warm_online=%.1f warm_with_refill=%.1f empty=%.1f verify=%.1f evp_sign=%.1f "
      "evp_verify=%.1f turns=%.1f\n",
      warm.online, warm.with_refill, empty, verify, evp_sign, evp_verify, turns);
  return 0;
}
