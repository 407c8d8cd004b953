#pragma once
// DecoyKeys: a public key of each algorithm that belongs to no merchant. The verify step checks
// a request's signature against one when the mchid or the serial is unknown (or names a key of
// the other algorithm), so that such a refusal costs what a bad signature costs: otherwise its
// timing would tell a prober which mchids and serials exist. A decoy's verdict is never used.
// Fixed keys (their private halves were discarded when they were made): RSA-2048, the size of
// WeChat Pay's merchant keys, and SM2. Parsed once per snapshot; immutable, any thread.

#include "crypto/keys.h"

namespace paygate::credentials {

struct DecoyKeys {
  crypto::PublicKey rsa;
  crypto::PublicKey sm2;

  const crypto::PublicKey& of(crypto::KeyAlgorithm algorithm) const {
    return algorithm == crypto::KeyAlgorithm::kSm2 ? sm2 : rsa;
  }
};

// Both keys parsed; a key this OpenSSL cannot parse is left empty (the tests catch that).
DecoyKeys make_decoy_keys();

}  // namespace paygate::credentials
