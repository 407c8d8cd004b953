#pragma once
// A throw-away certificate authority for demos and tests (`paygate keys new --role tls`,
// `make run`, the test suites): a self-signed CA, and certificates it signs for DNS names and
// IP addresses, usable by a server and a client. ECDSA P-256 keys (quick to make), SHA-256
// signatures, random 16-byte serials, valid from an hour ago. PEM text; the key is secret and
// is written only to 0600 files. Not a production CA: no revocation, no constraints on names.
// Off the hot path; any thread.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace paygate::tls {

struct PemPair {
  std::string certificate;
  std::string key;
};

// A CA certificate for `common_name`, valid for `valid_for`; nullopt with `error` otherwise.
std::optional<PemPair> make_authority(const std::string& common_name,
                                      std::chrono::seconds valid_for, std::string& error);

// A certificate for `names` (DNS names or IP literals; the first is also its CN) signed by
// `ca`, valid until now + valid_for (negative: already expired, for tests).
std::optional<PemPair> make_certificate(const PemPair& ca, const std::vector<std::string>& names,
                                        std::chrono::seconds valid_for, std::string& error);

}  // namespace paygate::tls
