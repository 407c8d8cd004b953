// callbacks_corpus: prints N distinct WeChat Pay v3 payment notifications, each as the platform
// would POST it, for the callback receiver's load test (bench/egress.sh). One line each, tab
// separated:
//   Wechatpay-Timestamp  Wechatpay-Nonce  Wechatpay-Signature  body
// The body is the notification envelope of event "EV-BENCH-<run>-<line>" (its resource sealed
// under the merchant's APIv3 key, AEAD_AES_256_GCM) and the signature is the platform key's over
// it; the Wechatpay-Serial is the platform certificate's, the same for every line. The cost is
// one signature per line, spread over --threads threads; the output keeps line order.
//
// Usage:
//   callbacks_corpus --key platform.key.pem --apiv3-key-file merchant.apiv3 --mchid 1230000109
//                    --count 50000 [--threads 2] > corpus.txt
// Exit status: 0 on success, 2 on bad arguments or a failure to seal or sign.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "corpus.h"
#include "crypto/aead.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "wechatpay/notification.h"
#include "wechatpay/server.h"

namespace {

struct Options {
  std::string key_file, apiv3_key_file, mchid;
  long long count = 0;
  unsigned threads = 1;
};

[[noreturn]] void usage(std::string_view why) {
  std::cerr << "callbacks_corpus: " << why
            << "\nusage: callbacks_corpus --key PEM --apiv3-key-file FILE --mchid ID --count N"
               " [--threads T]\n";
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
    else if (arg == "--apiv3-key-file") o.apiv3_key_file = value;
    else if (arg == "--mchid") o.mchid = value;
    else if (arg == "--count") o.count = to_number(value, arg);
    else if (arg == "--threads") o.threads = static_cast<unsigned>(to_number(value, arg));
    else usage("unknown option " + std::string(arg));
  }
  if (o.key_file.empty() || o.apiv3_key_file.empty() || o.mchid.empty()) {
    usage("--key, --apiv3-key-file and --mchid are required");
  }
  if (o.count <= 0) usage("--count must be positive");
  o.threads = std::clamp(o.threads, 1u, 64u);
  return o;
}

std::string read_first_line(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) usage("cannot read " + file);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace paygate;
  const Options o = parse(argc, argv);
  auto key = crypto::PrivateKey::from_file(o.key_file);
  if (!key) {
    std::cerr << "callbacks_corpus: " << key.error().detail << "\n";
    return 2;
  }
  auto apiv3 = crypto::ApiV3Key::from_text(read_first_line(o.apiv3_key_file), o.apiv3_key_file);
  if (!apiv3) {
    std::cerr << "callbacks_corpus: " << apiv3.error().detail << "\n";
    return 2;
  }
  std::array<char, 12> run{};
  if (!crypto::random_alphanumeric(run)) return 2;
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());

  // Per thread: OpenSSL contexts and buffers.
  struct State {
    crypto::Aead aead;
    wechatpay::ResponseSigner signer;
    wechatpay::ResponseSignature signature;
    std::string body;
  };
  auto make_line = [&](State& state, std::size_t i, std::string& line) {
    const std::string id =
        "EV-BENCH-" + std::string(run.data(), run.size()) + "-" + std::to_string(i);
    const std::string resource =
        R"({"mchid":")" + o.mchid + R"(","out_trade_no":"bench_)" + std::to_string(i) +
        R"(","transaction_id":"4200001234202401011234567890",)"
        R"("trade_state":"SUCCESS","amount":{"total":100,"currency":"CNY"}})";
    const wechatpay::NotificationEvent event{.id = id,
                                             .create_time = now,
                                             .event_type = "TRANSACTION.SUCCESS",
                                             .summary = "支付成功",
                                             .original_type = "transaction",
                                             .plaintext = resource};
    if (!wechatpay::build_notification(event, *apiv3, state.aead, state.body) ||
        !state.signer.sign(*key, state.body, now, state.signature)) {
      return false;
    }
    line = state.signature.timestamp + "\t" + state.signature.nonce + "\t" +
           state.signature.signature + "\t" + state.body;
    return true;
  };
  std::vector<std::string> lines;
  if (!bench::make_lines<State>(static_cast<std::size_t>(o.count), o.threads, make_line, lines)) {
    std::cerr << "callbacks_corpus: sealing or signing failed\n";
    return 2;
  }
  return bench::write_lines(lines) ? 0 : 2;
}
