#include "steps/platform_signers.h"

namespace paygate::steps {

PlatformSigners::PlatformSigners(const credentials::Credentials& credentials,
                                 std::optional<boost::asio::any_io_executor> refill_executor)
    : credentials_(credentials) {
  for (const credentials::PlatformIdentity& identity : credentials.platform_identities()) {
    signers_.push_back(std::make_unique<PlatformSigner>(identity, refill_executor));
  }
}

PlatformSigner* PlatformSigners::for_serial(std::string_view requested) const {
  if (signers_.empty()) return nullptr;
  const credentials::PlatformIdentity* named =
      requested.empty() ? nullptr : credentials_.platform_identity(requested);
  if (named == nullptr) return signers_.front().get();
  const auto index = static_cast<std::size_t>(named - credentials_.platform_identities().data());
  return signers_[index].get();
}

}  // namespace paygate::steps
