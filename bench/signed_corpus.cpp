// signed_corpus: prints N distinct WeChat Pay v3 Authorization values, one a line, for the
// signed-path load test (bench/signed.sh). Every line signs the same request (METHOD URL BODY)
// with the same timestamp (now, or --timestamp) and its own nonce_str, so each one passes
// `verify: merchant` exactly once. The key (RSA or SM2) decides the scheme.
//
// Nonces are "<16 random [0-9A-Za-z] per run><16 decimal digits of the line number>": unique
// within a run by construction and across runs by the random prefix, and cheap to make.
// The cost is one signature per line (RSA-2048 ~0.3 ms, SM2 ~0.4 ms per core), spread over
// --threads threads; the output keeps line order.
//
// Usage:
//   signed_corpus --key merchant.key.pem --mchid 1230000109 --serial 5F2A...
//                 --method GET --url '/v3/pay/transactions/id/42?mchid=1230000109'
//                 --count 100000 [--threads 2] [--timestamp UNIX] [--body TEXT] > corpus.txt
//   (one command line)
// Exit status: 0 on success, 2 on bad arguments or a signing failure.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "corpus.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "wechatpay/client.h"

namespace {

struct Options {
  std::string key_file, mchid, serial, method = "GET", url, body;
  long long count = 0;
  long long timestamp = 0;  // 0: now
  unsigned threads = 1;
};

[[noreturn]] void usage(std::string_view why) {
  std::cerr << "signed_corpus: " << why
            << "\nusage: signed_corpus --key PEM --mchid ID --serial SERIAL --url URL --count N"
               " [--method GET] [--body TEXT] [--timestamp UNIX] [--threads T]\n";
  std::exit(2);
}

long long to_number(std::string_view text, std::string_view name) {
  const auto value = paygate::bench::non_negative(text);
  if (!value) usage(std::string(name) + ": not a non-negative number");
  return *value;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
    std::string_view value = argv[++i];
    if (arg == "--key") o.key_file = value;
    else if (arg == "--mchid") o.mchid = value;
    else if (arg == "--serial") o.serial = value;
    else if (arg == "--method") o.method = value;
    else if (arg == "--url") o.url = value;
    else if (arg == "--body") o.body = value;
    else if (arg == "--count") o.count = to_number(value, arg);
    else if (arg == "--timestamp") o.timestamp = to_number(value, arg);
    else if (arg == "--threads") o.threads = static_cast<unsigned>(to_number(value, arg));
    else usage("unknown option " + std::string(arg));
  }
  if (o.key_file.empty() || o.mchid.empty() || o.serial.empty() || o.url.empty()) {
    usage("--key, --mchid, --serial and --url are required");
  }
  if (o.count <= 0) usage("--count must be positive");
  o.threads = std::clamp(o.threads, 1u, 64u);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace paygate;
  Options o = parse(argc, argv);
  auto key = crypto::PrivateKey::from_file(o.key_file);
  if (!key) {
    std::cerr << "signed_corpus: " << key.error().detail << "\n";
    return 2;
  }
  std::array<char, 16> prefix{};
  if (!crypto::random_alphanumeric(prefix)) return 2;
  auto now = o.timestamp != 0
                 ? std::chrono::sys_seconds(std::chrono::seconds(o.timestamp))
                 : std::chrono::time_point_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now());

  const wechatpay::MerchantCredentials merchant{o.mchid, o.serial, &*key};
  const wechatpay::OutgoingRequest request{o.method, o.url, o.body};
  auto make_line = [&](wechatpay::RequestSigner& signer, std::size_t i, std::string& line) {
    std::string nonce(std::string_view(prefix.data(), prefix.size()));
    nonce.resize(prefix.size() + 16);  // i as 16 decimal digits (count < 10^16)
    std::size_t v = i;
    for (std::size_t d = nonce.size(); d-- > prefix.size(); v /= 10) {
      nonce[d] = static_cast<char>('0' + v % 10);
    }
    return signer.sign_with_nonce(merchant, request, now, nonce, line);
  };
  std::vector<std::string> lines;
  // Per thread, a RequestSigner: it holds OpenSSL contexts.
  if (!bench::make_lines<wechatpay::RequestSigner>(static_cast<std::size_t>(o.count), o.threads,
                                                   make_line, lines)) {
    std::cerr << "signed_corpus: signing failed\n";
    return 2;
  }
  return bench::write_lines(lines) ? 0 : 2;
}
