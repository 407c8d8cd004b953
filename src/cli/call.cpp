#include "cli/call.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <vector>

#include "cli/input.h"
#include "cli/sign.h"
#include "core/header_field.h"
#include "crypto/certificate.h"
#include "http/one_shot_client.h"
#include "wechatpay/client.h"
#include "wechatpay/headers.h"

#ifndef PAYGATE_VERSION
#define PAYGATE_VERSION "dev"
#endif

namespace paygate::cli {

using http::HeaderList;
using http::HttpCall;
using http::HttpReply;
using http::parse_http_url;
using http::send_http;

namespace {

struct CallOptions {
  std::string url;
  std::string method;
  BodyOptions body;
  std::string mchid;
  std::string serial;
  std::string key_file;
  std::vector<std::string> platform_certs;
  std::string platform_public_key;     // public-key mode: the key file from the merchant portal
  std::string platform_public_key_id;  // and its id, PUB_KEY_ID_...
  std::vector<std::string> headers;
  double timeout_seconds = 10;
  std::string ca_file;  // --cacert: https:// URLs verified against it instead of the system's
};

struct PlatformSide {
  wechatpay::PlatformKeys keys;
  // Sent as Wechatpay-Serial: the platform key we hold (the public key when given, else the
  // first certificate), which the platform then signs its reply with.
  std::string held_serial;
};

// A line break in a name or value would let one -H argument smuggle in further headers.
bool plain_header(std::string_view name, std::string_view value) {
  auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; };
  return name.find_first_of(" \t") == std::string_view::npos &&
         std::none_of(name.begin(), name.end(), control) &&
         std::none_of(value.begin(), value.end(), control);
}

bool add_platform_public_key(const CallOptions& options, PlatformSide& platform) {
  const std::string& id = options.platform_public_key_id;
  if (id.empty() || id.find(' ') != std::string::npos ||
      !plain_header(wechatpay::kSerialHeader, id)) {
    std::cerr << "--platform-public-key-id must be the public-key id (PUB_KEY_ID_...), not \"" << id
              << "\"\n";
    return false;
  }
  auto key = crypto::PublicKey::from_file(options.platform_public_key);
  if (!key) {
    std::cerr << key.error().detail << "\n";
    return false;
  }
  platform.keys.add(id, std::move(*key));
  platform.held_serial = id;
  return true;
}

std::optional<PlatformSide> load_platform(const CallOptions& options) {
  PlatformSide platform;
  auto keys = read_platform_certificates(options.platform_certs, &platform.held_serial);
  if (!keys) return std::nullopt;
  platform.keys = std::move(*keys);
  if (!options.platform_public_key.empty() && !add_platform_public_key(options, platform)) {
    return std::nullopt;
  }
  return platform;
}

// "Name: value" from -H; a later header of the same name replaces an earlier one.
bool add_user_headers(const std::vector<std::string>& lines, HeaderList& headers) {
  for (const auto& line : lines) {
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::cerr << "--header must be \"Name: value\", not \"" << line << "\"\n";
      return false;
    }
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (!plain_header(name, value)) {
      std::cerr << "--header \"" << name << "\" has a blank or control character\n";
      return false;
    }
    std::erase_if(headers, [&](const auto& h) { return core::iequals(h.first, name); });
    headers.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

std::optional<std::string> authorization_for(const CallOptions& options, const HttpCall& call) {
  auto key = crypto::PrivateKey::from_file(options.key_file);
  if (!key) {
    std::cerr << key.error().detail << "\n";
    return std::nullopt;
  }
  wechatpay::MerchantCredentials merchant{options.mchid, options.serial, &*key};
  wechatpay::RequestSigner signer;
  std::string header;
  if (!signer.sign(merchant, {call.method, call.url.target, call.body}, now_seconds(), header)) {
    std::cerr << "signing failed\n";
    return std::nullopt;
  }
  if (!authorization_is_well_formed(header)) return std::nullopt;
  return header;
}

std::optional<HttpCall> build_call(const CallOptions& options, const PlatformSide& platform) {
  auto url = parse_http_url(options.url);
  if (!url) {
    std::cerr << "--url " << options.url << ": " << url.error() << "\n";
    return std::nullopt;
  }
  auto body = read_body(options.body);
  if (!body) return std::nullopt;
  HttpCall call;
  call.method = options.method;
  call.url = std::move(*url);
  call.body = std::move(*body);
  if (call.method.empty()) call.method = call.body.empty() ? "GET" : "POST";
  call.timeout = std::chrono::milliseconds(static_cast<long>(options.timeout_seconds * 1000));
  call.ca_file = options.ca_file;
  auto authorization = authorization_for(options, call);
  if (!authorization) return std::nullopt;
  call.headers = {{"Authorization", std::move(*authorization)},
                  {"Accept", "application/json"},
                  {"User-Agent", "paygate-cli/" PAYGATE_VERSION}};
  if (!call.body.empty()) call.headers.emplace_back("Content-Type", "application/json");
  if (!platform.held_serial.empty()) {
    call.headers.emplace_back(wechatpay::kSerialHeader, platform.held_serial);
  }
  if (!add_user_headers(options.headers, call.headers)) return std::nullopt;
  return call;
}

void print_reply(const HttpReply& reply) {
  std::cout << reply.protocol << " " << reply.status << " " << reply.reason << "\n";
  for (const auto& [name, value] : reply.headers) std::cout << name << ": " << value << "\n";
  std::cout << "\n" << reply.body;
  if (!reply.body.empty() && reply.body.back() != '\n') std::cout << "\n";
}

int check_signature(const HttpReply& reply, const wechatpay::PlatformKeys& keys) {
  wechatpay::SignedHeaders headers{
      reply.header(wechatpay::kTimestampHeader), reply.header(wechatpay::kNonceHeader),
      reply.header(wechatpay::kSignatureHeader), reply.header(wechatpay::kSerialHeader),
      reply.header(wechatpay::kSignatureTypeHeader)};
  bool success = reply.status >= 200 && reply.status < 300;
  if (!success && headers.signature.empty()) {
    std::cout << "signature: not checked (HTTP " << reply.status
              << " without Wechatpay-* headers)\n";
    return kExitOk;
  }
  wechatpay::ResponseVerifier verifier;
  auto result = verifier.verify(headers, reply.body, keys, now_seconds());
  if (result == wechatpay::Verification::kOk) {
    std::cout << "signature: ok (serial " << headers.serial << ")\n";
    return kExitOk;
  }
  std::cout << "signature: failed (";
  if (result == wechatpay::Verification::kMissingHeader) {
    std::cout << "missing Wechatpay-* headers";
  } else {
    std::cout << wechatpay::describe(result);
  }
  std::cout << ")\n";
  return kExitCheckFailed;
}

int call(const CallOptions& options) {
  auto platform = load_platform(options);
  if (!platform) return kExitUsage;
  auto request = build_call(options, *platform);
  if (!request) return kExitUsage;
  auto reply = send_http(*request);
  if (!reply) {
    std::cerr << reply.error().detail << "\n";
    return kExitUsage;
  }
  print_reply(*reply);
  if (platform->keys.empty()) return kExitOk;
  return check_signature(*reply, platform->keys);
}

}  // namespace

CliCommand add_call_command(CLI::App& cli) {
  auto options = std::make_shared<CallOptions>();
  auto* command = cli.add_subcommand("call", "send one signed request and print the reply");
  command->add_option("--url", options->url, "http(s)://HOST:PORT/v3/...")->required();
  command
      ->add_option("--cacert", options->ca_file,
                   "https://: CA certificates (PEM) the gateway's certificate must chain to "
                   "(default: the system's bundle)")
      ->check(CLI::ExistingFile);
  command->add_option("--method", options->method, "default: POST with a body, else GET")
      ->check(CLI::IsMember({"GET", "POST", "PUT", "PATCH", "DELETE"}));
  add_body_options(*command, options->body);
  command->add_option("--mchid", options->mchid, "merchant id")->required();
  command->add_option("--serial", options->serial, "serial of the merchant certificate")
      ->required();
  command->add_option("--key", options->key_file, "merchant private key (PEM)")->required();
  command->add_option("--platform-cert", options->platform_certs,
                      "platform certificate(s): verify the reply's signature");
  auto* public_key = command->add_option(
      "--platform-public-key", options->platform_public_key,
      "platform public key (PEM, public-key mode): verify the reply's signature");
  auto* public_key_id =
      command->add_option("--platform-public-key-id", options->platform_public_key_id,
                          "its public-key id (PUB_KEY_ID_...), sent as Wechatpay-Serial");
  public_key->needs(public_key_id);
  public_key_id->needs(public_key);
  command->add_option("-H,--header", options->headers, "extra header \"Name: value\"");
  command->add_option("--timeout", options->timeout_seconds, "seconds for the whole exchange")
      ->check(CLI::Range(0.001, 3600.0));
  return {command, [options] { return call(*options); }};
}

}  // namespace paygate::cli
