#pragma once
// Key material for tests, in one place: the files of tests/data/crypto/ (throw-away keys,
// certificates and vectors; its README.md says how each was made) and identities generated at
// run time for tests that want keys of their own. Loading and checking what was loaded stays
// with each test, so that its assertions stay where they are. Pure functions; any thread.

#include <map>
#include <string>
#include <string_view>

#include "crypto/generate.h"

namespace paygate::test {

// The path of tests/data/crypto/<name>.
std::string data_path(std::string_view name);

// The bytes of tests/data/crypto/<name>; empty if it cannot be read.
std::string read_data(std::string_view name);

// A "name=value" per line vector file of tests/data/crypto/, by name.
std::map<std::string, std::string> read_vector(std::string_view name);

// A fresh key pair (RSA-2048 unless `algorithm` says SM2) and a self-signed certificate for it
// with subject CN `common_name`; everything else as crypto::CertificateSpec's defaults (valid
// from now, for ten years). Generating an RSA key takes tens of milliseconds: share one per
// fixture rather than make one per check.
crypto::Result<crypto::GeneratedIdentity> generate_identity(
    std::string_view common_name, crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::kRsa);

}  // namespace paygate::test
