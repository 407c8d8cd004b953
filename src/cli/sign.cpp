#include "cli/sign.h"

#include <iostream>
#include <memory>

#include "cli/input.h"
#include "crypto/random.h"
#include "wechatpay/authorization.h"
#include "wechatpay/client.h"

namespace paygate::cli {

namespace {

struct SignOptions {
  std::string mchid;
  std::string serial;
  std::string key_file;
  std::string method;
  std::string url;
  BodyOptions body;
  std::string timestamp;
  std::string nonce;
};

std::optional<std::chrono::sys_seconds> signing_time(const SignOptions& options) {
  if (options.timestamp.empty()) return now_seconds();
  auto seconds = read_timestamp(options.timestamp, "--timestamp");
  if (!seconds) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(*seconds));
}

int sign(const SignOptions& options) {
  auto key = crypto::PrivateKey::from_file(options.key_file);
  if (!key) {
    std::cerr << key.error().detail << "\n";
    return kExitUsage;
  }
  auto url = read_signed_url(options.url);
  auto body = read_body(options.body);
  auto now = signing_time(options);
  if (!url || !body || !now) return kExitUsage;
  std::string nonce = options.nonce;
  if (nonce.empty() && !crypto::random_nonce(nonce)) return kExitUsage;

  wechatpay::MerchantCredentials merchant{options.mchid, options.serial, &*key};
  wechatpay::OutgoingRequest request{options.method, *url, *body};
  wechatpay::RequestSigner signer;
  std::string header;
  if (!signer.sign_with_nonce(merchant, request, *now, nonce, header)) {
    std::cerr << "signing failed\n";
    return kExitUsage;
  }
  if (!authorization_is_well_formed(header)) return kExitUsage;
  std::cout << header << "\n";
  return kExitOk;
}

}  // namespace

// The values are the user's: a quote or a control character would make a header that no
// server parses, so the result goes through the same parser the gateway uses.
bool authorization_is_well_formed(const std::string& header) {
  wechatpay::Authorization parsed;
  auto parse = wechatpay::parse_authorization(header, parsed);
  if (parse.ok()) return true;
  std::cerr << "cannot build a valid Authorization header: " << wechatpay::describe(parse.error);
  if (!parse.parameter.empty()) std::cerr << " (" << parse.parameter << ")";
  std::cerr << "\n";
  return false;
}

CliCommand add_sign_command(CLI::App& cli) {
  auto options = std::make_shared<SignOptions>();
  auto* command = cli.add_subcommand("sign", "print the Authorization header of a request");
  command->add_option("--mchid", options->mchid, "merchant id")->required();
  command->add_option("--serial", options->serial, "serial of the merchant certificate")
      ->required();
  command->add_option("--key", options->key_file, "merchant private key (PEM)")->required();
  command->add_option("--method", options->method, "HTTP method, e.g. POST")->required();
  command->add_option("--url", options->url, "PATH?QUERY as sent (or a full URL)")->required();
  add_body_options(*command, options->body);
  command->add_option("--timestamp", options->timestamp, "Unix seconds (default: now)");
  command->add_option("--nonce", options->nonce, "nonce_str (default: 32 random characters)");
  return {command, [options] { return sign(*options); }};
}

}  // namespace paygate::cli
