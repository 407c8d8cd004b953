#pragma once
// CertificateDownloads: the merchant role keeps the platform's certificates fresh
// (merchant.certificates). It downloads GET /v3/certificates from the named cluster at start,
// every `refresh`, and when a worker met a reply whose serial it does not know (at most every
// few seconds), signed as the first identity and naming the first configured platform key in
// Wechatpay-Serial, so that the platform signs the listing with a key paygate already trusts
// (during a rotation it may sign everything else with the new one). The listing is accepted only
// when its reply verifies against a key already trusted; each certificate in it is decrypted with
// that identity's APIv3 key, and those still valid join the trusted set beside
// merchant.platform_keys, so a rotation's overlap keeps the old and the new. What it trusts is
// published to the workers through steps::PlatformTrust.
//
// A download runs on a thread of its own (a blocking one-shot client, bounded by the cluster's
// connect and try timeouts), never on the control thread, which only starts it and, at its next
// tick, collects the outcome: paygate_egress_certificate_downloads_total{result} and a log line.
// Control-thread confined, but for that thread.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/snapshot.h"
#include "crypto/certificate.h"
#include "observe/certificate_expiry.h"
#include "observe/registry.h"
#include "steps/platform_trust.h"

namespace paygate::app {

class CertificateDownloads {
 public:
  using SystemClock = std::chrono::system_clock;
  // An unknown serial asks for a download at most this often after the last attempt; a failed
  // download is tried again after kRetryAfter.
  static constexpr std::chrono::seconds kAskedAgainAfter{5};
  static constexpr std::chrono::seconds kRetryAfter{30};

  CertificateDownloads(steps::PlatformTrust& trust, observe::Shard& shard,
                       observe::CounterFamily downloads);
  ~CertificateDownloads();
  CertificateDownloads(const CertificateDownloads&) = delete;
  CertificateDownloads& operator=(const CertificateDownloads&) = delete;

  // A new configuration: its platform keys are trusted at once, with what downloads brought
  // that is still valid; the next tick downloads when it names a cluster to download from.
  void adopt(std::shared_ptr<const config::Snapshot> snapshot);
  // Once a second: collects a finished download, starts one when due. True when the trusted
  // set grew (the expiry gauge is then published again).
  bool tick();
  // The downloaded certificates, for the expiry gauge (role platform_trust).
  std::vector<observe::CertificateInfo> certificates() const;

 private:
  struct Outcome {
    std::vector<crypto::Certificate> certificates;
    std::string error;  // empty on success
  };
  static Outcome download(const config::Snapshot& snapshot,
                          std::shared_ptr<const steps::TrustedKeys> trusted);
  bool due(SystemClock::time_point now);
  bool collect();
  void publish();

  steps::PlatformTrust& trust_;
  observe::Counter* succeeded_;
  observe::Counter* failed_;
  std::shared_ptr<const config::Snapshot> snapshot_;
  std::vector<crypto::Certificate> downloaded_;
  SystemClock::time_point last_success_{};
  SystemClock::time_point last_attempt_{};
  std::thread thread_;
  std::atomic<bool> finished_{false};
  Outcome outcome_;  // written by thread_ before finished_, read after it
};

}  // namespace paygate::app
