#include "cli/verify.h"

#include <iostream>
#include <memory>

#include "cli/input.h"
#include "crypto/certificate.h"
#include "wechatpay/client.h"
#include "wechatpay/message.h"
#include "wechatpay/server.h"

namespace paygate::cli {

namespace {

// The serial under which the one key is filed for ResponseVerifier; never shown.
constexpr std::string_view kOnlyKeySerial = "CLI";

struct VerifyOptions {
  std::string cert_file;
  std::string public_key_file;
  std::string timestamp;
  std::string nonce;
  std::string signature;
  BodyOptions body;
  std::string method;
  std::string url;
  std::string now;
};

wechatpay::Scheme scheme_for(const crypto::PublicKey& key) {
  return key.algorithm() == crypto::KeyAlgorithm::kSm2 ? wechatpay::Scheme::kSm2Sm3
                                                       : wechatpay::Scheme::kRsaSha256;
}

wechatpay::Verification verify_response(const VerifyOptions& options, std::string_view body,
                                        const crypto::PublicKey& key,
                                        std::chrono::sys_seconds now) {
  wechatpay::PlatformKeys keys;
  keys.add(std::string(kOnlyKeySerial), key);
  wechatpay::SignedHeaders headers{options.timestamp, options.nonce, options.signature,
                                   kOnlyKeySerial, wechatpay::scheme_name(scheme_for(key))};
  wechatpay::ResponseVerifier verifier;
  return verifier.verify(headers, body, keys, now);
}

wechatpay::Verification verify_request(const VerifyOptions& options, std::string_view url,
                                       std::string_view body, const crypto::PublicKey& key,
                                       std::int64_t timestamp, std::chrono::sys_seconds now) {
  if (options.nonce.empty() || options.signature.empty()) {
    return wechatpay::Verification::kMissingHeader;
  }
  wechatpay::Authorization authorization{scheme_for(key), {}, options.nonce,    options.timestamp,
                                         timestamp,       {}, options.signature};
  wechatpay::RequestVerifier verifier;
  return verifier.verify(authorization, {options.method, url, body}, key, now);
}

int report(wechatpay::Verification result) {
  if (result == wechatpay::Verification::kOk) {
    std::cout << "ok\n";
    return kExitOk;
  }
  std::cout << "failed: " << wechatpay::describe(result) << "\n";
  return kExitCheckFailed;
}

int verify(const VerifyOptions& options) {
  auto key = read_public_key(options.cert_file, options.public_key_file);
  auto body = read_body(options.body);
  if (!key || !body) return kExitUsage;
  std::int64_t timestamp = 0;
  if (!wechatpay::parse_timestamp(options.timestamp, timestamp)) {
    return report(wechatpay::Verification::kBadTimestamp);
  }
  // No --now: judge the signature alone, as if it were checked at the moment it was made.
  auto now = std::chrono::sys_seconds(std::chrono::seconds(timestamp));
  if (!options.now.empty()) {
    auto given = read_timestamp(options.now, "--now");
    if (!given) return kExitUsage;
    now = std::chrono::sys_seconds(std::chrono::seconds(*given));
  }
  if (options.method.empty()) return report(verify_response(options, *body, *key, now));
  auto url = read_signed_url(options.url);
  if (!url) return kExitUsage;
  return report(verify_request(options, *url, *body, *key, timestamp, now));
}

}  // namespace

CliCommand add_verify_command(CLI::App& cli) {
  auto options = std::make_shared<VerifyOptions>();
  auto* command =
      cli.add_subcommand("verify", "check a response, notification or request signature");
  auto* key = command->add_option_group("key", "exactly one of");
  key->add_option("--cert", options->cert_file, "signer's certificate (PEM)");
  key->add_option("--public-key", options->public_key_file, "signer's public key (PEM)");
  key->require_option(1);
  command->add_option("--timestamp", options->timestamp, "Wechatpay-Timestamp")->required();
  command->add_option("--nonce", options->nonce, "Wechatpay-Nonce")->required();
  command->add_option("--signature", options->signature, "Wechatpay-Signature (base64)")
      ->required();
  add_body_options(*command, options->body);
  auto* method = command->add_option("--method", options->method, "request method");
  auto* url = command->add_option("--url", options->url, "request PATH?QUERY");
  method->needs(url);
  url->needs(method);
  command->add_option("--now", options->now, "Unix seconds: also apply the 300 s skew rule");
  return {command, [options] { return verify(*options); }};
}

}  // namespace paygate::cli
