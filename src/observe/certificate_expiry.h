#pragma once
// CertificateExpiry: the certificates of the running snapshot and when each expires, exported as
// the gauge paygate_certificate_expiry_seconds{role,mchid,serial} (computed at scrape time, so it
// counts down between reloads) and checked daily for a log warning.
//
// publish() and warn_expiring() run on the control thread, at start-up and after each reload;
// the collector it adds runs on whichever thread scrapes and reads the list under a mutex. The
// list is shared with the collector, so the registry may outlive this object. Bare public keys
// (WeChat Pay's public-key mode) have no expiry and are not listed.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "observe/registry.h"

namespace paygate::observe {

struct CertificateInfo {
  std::string role;   // names::kRolePlatform or kRoleMerchant
  std::string mchid;  // empty for the platform
  std::string serial;
  std::chrono::sys_seconds not_after;
};

class CertificateExpiry {
 public:
  CertificateExpiry(Registry& registry, GaugeFamily family);

  void publish(std::vector<CertificateInfo> certificates);
  // Logs one warning per certificate expiring within `window` after `now` (window 0: none).
  // Returns how many were logged.
  std::size_t warn_expiring(std::chrono::sys_seconds now, std::chrono::seconds window) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace paygate::observe
