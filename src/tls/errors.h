#pragma once
// Names for TLS failures, for the places that report them (a delivery's last_error, a config
// error, a log line): what OpenSSL queued, and why a peer certificate did not verify.

#include <string>

#include <openssl/ssl.h>

namespace paygate::tls {

// "TLS: " + the certificate verification result of `ssl` when it failed ("certificate verify
// failed: unable to get local issuer certificate"), else the reasons on this thread's error
// queue; drains the queue either way.
std::string describe_failure(const SSL* ssl);

// The reasons on this thread's OpenSSL error queue, "; "-joined, or `fallback` when it is empty;
// drains the queue.
std::string drain_errors(const char* fallback = "unknown TLS error");

}  // namespace paygate::tls
