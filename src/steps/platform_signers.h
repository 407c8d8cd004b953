#pragma once
// PlatformSigners: the platform signers of one worker and snapshot, one PlatformSigner per
// configured platform key, each keeping its own OpenSSL context bound to its key.
// A reply is signed with the key the request's Wechatpay-Serial names: during a migration the
// merchant holds only that one (docs/protocol.md §2). Without the header, or when it names no
// configured key, the default (first) key signs; an unknown serial is not the reply's to refuse.
// Borrows the snapshot's Credentials, which must outlive it. Built on the worker thread and
// confined to it, like the signers it owns.

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "credentials/credentials.h"
#include "steps/platform_signer.h"

namespace paygate::steps {

class PlatformSigners {
 public:
  // refill_executor: the worker's, for the signers' SM2 nonce pools (PlatformSigner).
  explicit PlatformSigners(const credentials::Credentials& credentials,
                           std::optional<boost::asio::any_io_executor> refill_executor = {});

  // The signer for a request's Wechatpay-Serial value (empty when absent); null only when no
  // platform key is configured. Scans the configured serials; allocates nothing.
  PlatformSigner* for_serial(std::string_view requested) const;

 private:
  const credentials::Credentials& credentials_;
  std::vector<std::unique_ptr<PlatformSigner>> signers_;  // parallel to platform_identities()
};

}  // namespace paygate::steps
