#include "app/platform_certificates.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "crypto/aead.h"
#include "http/one_shot_client.h"
#include "observe/metric_names.h"
#include "wechatpay/certificates.h"
#include "wechatpay/client.h"

namespace paygate::app {
namespace {

constexpr std::string_view kCertificatesPath = "/v3/certificates";

const proxy::ClusterSettings* cluster_named(const config::Snapshot& s, const std::string& name) {
  for (const proxy::ClusterSettings& cluster : s.clusters) {
    if (cluster.name == name) return &cluster;
  }
  return nullptr;
}

// The request to the cluster's first endpoint, as its tls section says (name, CAs, client
// certificate: the cluster's own context).
http::HttpCall certificates_call(const proxy::ClusterSettings& cluster) {
  const proxy::EndpointSettings& endpoint = cluster.endpoints.front();
  http::HttpCall call;
  call.method = "GET";
  call.url.tls = cluster.tls.has_value();
  call.url.host = endpoint.address.address().to_string();
  call.url.port = endpoint.port;
  call.url.authority = endpoint.host + ":" + std::to_string(endpoint.port);
  call.url.target = std::string(kCertificatesPath);
  call.timeout = cluster.connect_timeout + cluster.try_timeout;
  if (cluster.tls) {
    call.context = cluster.tls_context;
    call.server_name = cluster.tls->server_name.empty() ? endpoint.host : cluster.tls->server_name;
  }
  return call;
}

wechatpay::SignedHeaders signed_headers(const http::HttpReply& reply) {
  return {reply.header(wechatpay::kTimestampHeader), reply.header(wechatpay::kNonceHeader),
          reply.header(wechatpay::kSignatureHeader), reply.header(wechatpay::kSerialHeader),
          reply.header(wechatpay::kSignatureTypeHeader)};
}

std::chrono::sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

CertificateDownloads::CertificateDownloads(steps::PlatformTrust& trust, observe::Shard& shard,
                                           observe::CounterFamily downloads)
    : trust_(trust),
      succeeded_(shard.counter(downloads, {"ok"})),
      failed_(shard.counter(downloads, {"failed"})) {}

CertificateDownloads::~CertificateDownloads() {
  if (thread_.joinable()) thread_.join();
}

void CertificateDownloads::adopt(std::shared_ptr<const config::Snapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  last_success_ = {};  // the cluster or the identity may have changed: download again
  publish();
}

// The configured keys first, then what downloads brought that is still valid (a certificate
// configured as well is found by its first entry; the duplicate does no harm).
void CertificateDownloads::publish() {
  auto trusted = std::make_shared<steps::TrustedKeys>();
  if (snapshot_ && snapshot_->merchant_keys) {
    for (const credentials::MerchantKey& key : snapshot_->merchant_keys->platform_keys()) {
      trusted->keys.add(key.serial, key.key);
      if (trusted->encryption_serial.empty()) {
        trusted->encryption_serial = key.serial;
        trusted->encryption_key = key.key;
      }
    }
  }
  const auto now = now_seconds();
  std::erase_if(downloaded_, [&](const crypto::Certificate& c) { return !c.valid_at(now); });
  // Sensitive fields go to the certificate valid the longest, as the SDKs choose: the newest.
  const crypto::Certificate* newest = nullptr;
  for (const crypto::Certificate& certificate : downloaded_) {
    trusted->keys.add(certificate);
    if (newest == nullptr || certificate.not_after() > newest->not_after()) newest = &certificate;
  }
  if (newest != nullptr) {
    trusted->encryption_serial = newest->serial_hex();
    trusted->encryption_key = newest->public_key();
  }
  trust_.publish(std::move(trusted));
}

std::vector<observe::CertificateInfo> CertificateDownloads::certificates() const {
  std::vector<observe::CertificateInfo> out;
  for (const crypto::Certificate& certificate : downloaded_) {
    out.push_back({std::string(observe::names::kRolePlatformTrust), "", certificate.serial_hex(),
                   certificate.not_after()});
  }
  return out;
}

bool CertificateDownloads::due(SystemClock::time_point now) {
  const credentials::MerchantRole* role = snapshot_ ? snapshot_->merchant_keys.get() : nullptr;
  if (role == nullptr || role->certificates_cluster().empty()) {
    trust_.take_refresh_ask();  // nothing could answer it
    return false;
  }
  if (now - last_attempt_ < kAskedAgainAfter) return false;
  if (trust_.take_refresh_ask()) return true;
  if (last_success_ == SystemClock::time_point{}) return now - last_attempt_ >= kRetryAfter;
  return now - last_success_ >= role->certificates_refresh();
}

bool CertificateDownloads::tick() {
  bool changed = false;
  if (thread_.joinable()) {
    if (!finished_.load(std::memory_order_acquire)) return false;
    thread_.join();
    changed = collect();
  }
  const auto now = SystemClock::now();
  if (!due(now)) return changed;
  last_attempt_ = now;
  finished_.store(false, std::memory_order_relaxed);
  thread_ = std::thread([this, snapshot = snapshot_, trusted = trust_.keys()] {
    outcome_ = download(*snapshot, trusted);
    finished_.store(true, std::memory_order_release);
  });
  return changed;
}

bool CertificateDownloads::collect() {
  if (!outcome_.error.empty()) {
    failed_->inc();
    spdlog::warn("platform certificates: download failed: {}", outcome_.error);
    return false;
  }
  last_success_ = SystemClock::now();
  std::size_t added = 0;
  for (crypto::Certificate& certificate : outcome_.certificates) {
    const bool known = std::any_of(downloaded_.begin(), downloaded_.end(), [&](const auto& c) {
      return crypto::same_serial(c.serial_hex(), certificate.serial_hex());
    });
    if (known) continue;
    spdlog::info("platform certificates: trusting {}, downloaded", certificate.serial_hex());
    downloaded_.push_back(std::move(certificate));
    ++added;
  }
  outcome_ = {};
  if (added > 0) publish();
  // Counted once the workers can use what it brought.
  succeeded_->inc();
  return added > 0;
}

// Runs on the download thread: everything it reads is its own or immutable (the snapshot, the
// trusted keys it was handed).
CertificateDownloads::Outcome CertificateDownloads::download(
    const config::Snapshot& snapshot, std::shared_ptr<const steps::TrustedKeys> trusted) {
  const credentials::MerchantRole& role = *snapshot.merchant_keys;
  const proxy::ClusterSettings* cluster = cluster_named(snapshot, role.certificates_cluster());
  if (cluster == nullptr || cluster->endpoints.empty() || role.identities().empty()) {
    return {{}, "no cluster '" + role.certificates_cluster() + "' to download from"};
  }
  const credentials::SigningIdentity& identity = role.identities().front();
  http::HttpCall call = certificates_call(*cluster);
  std::string authorization;
  wechatpay::RequestSigner signer;
  if (!signer.sign({identity.mchid, identity.serial, &identity.key},
                   {call.method, call.url.target, {}}, now_seconds(), authorization)) {
    return {{}, "the request could not be signed"};
  }
  call.headers = {{"Authorization", authorization},
                  {"Accept", "application/json"},
                  {std::string(wechatpay::kSerialHeader), role.platform_keys().front().serial}};
  auto reply = http::send_http(call);
  if (!reply) return {{}, reply.error().detail};
  if (reply->status != 200) {
    return {{},
            "the platform answered " + std::to_string(reply->status) + ": " +
                reply->body.substr(0, 200)};
  }
  // Only a listing signed by a key already trusted is believed: whoever could alter it in
  // transit could otherwise plant a key of their own.
  wechatpay::ResponseVerifier verifier;
  const auto verified = verifier.verify(signed_headers(*reply), reply->body, trusted->keys,
                                        now_seconds(), role.clock_skew());
  if (verified != wechatpay::Verification::kOk) {
    return {
        {},
        "the listing's signature did not verify: " + std::string(wechatpay::describe(verified))};
  }
  crypto::Aead aead;
  auto certificates = wechatpay::parse_certificates_document(reply->body, identity.apiv3_key, aead);
  if (!certificates) return {{}, certificates.error().detail};
  const auto now = now_seconds();
  std::erase_if(*certificates, [&](const crypto::Certificate& c) { return !c.valid_at(now); });
  return {std::move(*certificates), {}};
}

}  // namespace paygate::app
