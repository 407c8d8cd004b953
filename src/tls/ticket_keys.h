#pragma once
// Session ticket keys without shared mutable state: the keys of rotation period n are derived
// from a random per-process secret and n (HMAC-SHA256), so every worker thread and every
// configuration snapshot computes the same keys with no lock and no key ring to rotate. A
// ticket names its period in the key name; tickets of the current and the previous period open,
// and one of the previous period is renewed (on TLS 1.3 every resumption is: server_context.h).
//
// The secret never leaves the process: tickets do not survive a restart, and nodes of a
// scale-out deployment resume only sessions they issued themselves.

#include <openssl/evp.h>

#include <chrono>

namespace paygate::tls {

// The body of OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb), with the
// rotation period and the clock as arguments. Returns what OpenSSL expects: 1 (sealed; or opened
// with a current key), 2 (opened with a previous key: issue a new ticket), 0 (unknown key: full
// handshake), -1 (failure).
int ticket_key_callback(unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                        EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int seal,
                        std::chrono::seconds rotation, std::chrono::sys_seconds now);

}  // namespace paygate::tls
