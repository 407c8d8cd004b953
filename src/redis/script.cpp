#include "redis/script.h"

#include "crypto/digest.h"

namespace paygate::redis {

Script::Script(std::string text) : text_(std::move(text)) {
  crypto::Digest digest(crypto::DigestAlgorithm::kSha1);
  digest.update(text_);
  sha1_ = digest.hex_final();
}

}  // namespace paygate::redis
