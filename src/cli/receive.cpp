#include "cli/receive.h"

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <deque>
#include <iostream>
#include <memory>
#include <unordered_set>

#include "cli/input.h"
#include "credentials/credentials.h"
#include "crypto/aead.h"
#include "http/serve.h"
#include "wechatpay/client.h"
#include "wechatpay/headers.h"
#include "wechatpay/notification.h"

namespace paygate::cli {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;

struct ReceiveOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 9100;
  std::vector<std::string> platform_certs;
  std::string apiv3_key_file;
  std::size_t count = 0;  // 0: until a signal
  std::string tls_cert;   // --tls-cert: serve https with this chain
  std::string tls_key;
};

// Remembers the last kCapacity ids: a platform repeats an event within hours, not millions later.
class SeenIds {
 public:
  bool insert(const std::string& id) {
    if (!ids_.insert(id).second) return false;
    order_.push_back(id);
    if (order_.size() > kCapacity) {
      ids_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

 private:
  static constexpr std::size_t kCapacity = 100000;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
};

struct Verdict {
  int status = 204;
  std::string line;      // printed on stdout
  bool counted = false;  // a new, verified notification
};

class Receiver final : public http::Handler {
 public:
  Receiver(wechatpay::PlatformKeys keys, crypto::ApiV3Key apiv3_key, std::size_t count)
      : keys_(std::move(keys)), apiv3_key_(std::move(apiv3_key)), count_(count) {}

  asio::awaitable<void> handle(http::Exchange& ex) override {
    const Verdict verdict = judge(ex);
    std::cout << verdict.line << std::endl;
    if (verdict.status == 204) {
      co_await ex.respond(204, {}, {});
    } else {
      const std::string body =
          json::serialize(json::object{{"code", "FAIL"}, {"message", rejection_}});
      co_await ex.respond(verdict.status, "application/json", body);
    }
    // serve_until_signal's graceful stop: the acknowledgement above is complete by now.
    if (verdict.counted && count_ != 0 && ++received_ == count_) std::raise(SIGTERM);
  }

 private:
  Verdict reject(int status, std::string why) {
    rejection_ = std::move(why);
    return {status, json::serialize(json::object{{"rejected", rejection_}}), false};
  }

  Verdict judge(const http::Exchange& ex) {
    const http::RequestHead& req = ex.request();
    if (req.method_text != "POST") return reject(405, "only POST is a notification");
    const wechatpay::SignedHeaders headers{
        req.fields.find(wechatpay::kTimestampHeader), req.fields.find(wechatpay::kNonceHeader),
        req.fields.find(wechatpay::kSignatureHeader), req.fields.find(wechatpay::kSerialHeader),
        req.fields.find(wechatpay::kSignatureTypeHeader)};
    const auto checked = verifier_.verify(headers, ex.body(), keys_, now_seconds());
    if (checked != wechatpay::Verification::kOk) {
      return reject(401, "signature: " + std::string(wechatpay::describe(checked)));
    }
    wechatpay::Notification note;
    auto error = wechatpay::parse_notification(ex.body(), note);
    std::string plaintext;
    if (error == wechatpay::NotificationError::kNone) {
      error = wechatpay::open_resource(note.resource, apiv3_key_, aead_, plaintext);
    }
    if (error != wechatpay::NotificationError::kNone) {
      return reject(400, "notification: " + std::string(wechatpay::describe(error)));
    }
    if (!seen_.insert(note.id)) {
      return {204, json::serialize(json::object{{"id", note.id}, {"duplicate", true}}), false};
    }
    return {204, describe_event(note, plaintext), true};
  }

  static std::string describe_event(const wechatpay::Notification& note,
                                    const std::string& plaintext) {
    boost::system::error_code ec;
    json::value resource = json::parse(plaintext, ec);
    if (ec) resource = plaintext;  // not JSON: shown as text
    return json::serialize(json::object{{"id", note.id},
                                        {"create_time", note.create_time},
                                        {"event_type", note.event_type},
                                        {"summary", note.summary},
                                        {"resource", std::move(resource)}});
  }

  wechatpay::PlatformKeys keys_;
  crypto::ApiV3Key apiv3_key_;
  std::size_t count_;
  wechatpay::ResponseVerifier verifier_;
  crypto::Aead aead_;
  SeenIds seen_;
  std::string rejection_;
  std::size_t received_ = 0;
};

// --tls-cert and --tls-key as a one-certificate TLS context; null after printing why.
std::shared_ptr<const tls::ServerContext> server_tls(const ReceiveOptions& options) {
  tls::ServerSettings settings;
  settings.certificates.push_back({{options.tls_cert, options.tls_key}, ""});
  tls::BuildError error;
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto context = tls::ServerContext::build(settings, now, error);
  if (!context) std::cerr << "--tls-cert/--tls-key: " << error.message << "\n";
  return context;
}

int receive(const ReceiveOptions& options) {
  auto keys = read_platform_certificates(options.platform_certs);
  std::string problem;
  auto apiv3_key = credentials::read_apiv3_key_file(options.apiv3_key_file, problem);
  if (!apiv3_key) std::cerr << problem << "\n";
  if (!keys || !apiv3_key) return kExitUsage;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    std::cerr << "--address " << options.address << ": not an IP address\n";
    return kExitUsage;
  }
  std::shared_ptr<const tls::ServerContext> tls;
  if (!options.tls_cert.empty()) {
    tls = server_tls(options);
    if (!tls) return kExitUsage;
  }
  asio::io_context io{1};
  Receiver receiver(std::move(*keys), std::move(*apiv3_key), options.count);
  try {
    http::serve_until_signal(
        io, {address, options.port}, receiver,
        [&](const asio::ip::tcp::endpoint& bound) {
          std::cerr << "paygate receive: listening on " << (tls ? "https://" : "http://")
                    << options.address << ":" << bound.port() << std::endl;
        },
        std::chrono::seconds(5), tls);
  } catch (const boost::system::system_error& e) {
    std::cerr << "cannot listen on " << options.address << ":" << options.port << ": "
              << e.code().message() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

CliCommand add_receive_command(CLI::App& cli) {
  auto options = std::make_shared<ReceiveOptions>();
  auto* command = cli.add_subcommand(
      "receive", "a merchant's notify_url: verify, decrypt and print payment notifications");
  command->add_option("--address", options->address, "address to listen on (127.0.0.1)");
  command->add_option("--port", options->port, "port to listen on (9100; 0 picks one)");
  command
      ->add_option("--platform-cert", options->platform_certs,
                   "platform certificate(s) the notifications are signed with")
      ->required();
  command
      ->add_option("--apiv3-key-file", options->apiv3_key_file,
                   "file holding the merchant's 32-byte APIv3 key")
      ->required();
  command->add_option("--count", options->count, "exit after this many distinct notifications");
  auto* cert = command->add_option("--tls-cert", options->tls_cert,
                                   "serve https: the certificate chain (PEM, leaf first)");
  auto* key = command->add_option("--tls-key", options->tls_key, "and its private key (PEM)");
  cert->needs(key);
  key->needs(cert);
  return {command, [options] { return receive(*options); }};
}

}  // namespace paygate::cli
