#pragma once
// Certificates for TLS tests, made in memory by tls/certificate_authority.h (throwing instead of
// returning an error), and a handshake without sockets. PEM text, to write into a TempDir.

#include <openssl/ssl.h>

#include <chrono>
#include <string>
#include <vector>

#include "tls/certificate_authority.h"

namespace paygate::test {

using PemPair = tls::PemPair;

// A self-signed CA valid for a day around now.
PemPair make_test_ca(const std::string& common_name);

// A leaf for `names` (the first is also its CN) signed by `ca`, valid from now - 1 h until
// now + valid_for (negative: already expired).
PemPair make_test_leaf(const PemPair& ca, const std::vector<std::string>& names,
                       std::chrono::seconds valid_for = std::chrono::hours(24));

// Runs both halves of a handshake over an in-memory BIO pair; true when both completed. The
// client then reads what the server sent after it (TLS 1.3 session tickets). Leaves this
// thread's OpenSSL error queue empty.
bool handshake_in_memory(SSL* client, SSL* server);

}  // namespace paygate::test
