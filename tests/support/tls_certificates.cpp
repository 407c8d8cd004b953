#include "support/tls_certificates.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <stdexcept>

namespace paygate::test {

namespace {

PemPair or_throw(std::optional<PemPair> made, const std::string& error) {
  if (!made) throw std::runtime_error("test certificate: " + error);
  return std::move(*made);
}

}  // namespace

PemPair make_test_ca(const std::string& common_name) {
  std::string error;
  return or_throw(tls::make_authority(common_name, std::chrono::hours(24), error), error);
}

PemPair make_test_leaf(const PemPair& ca, const std::vector<std::string>& names,
                       std::chrono::seconds valid_for) {
  std::string error;
  return or_throw(tls::make_certificate(ca, names, valid_for, error), error);
}

bool handshake_in_memory(SSL* client, SSL* server) {
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  // One step of one side: done, waiting for the other side, or failed.
  auto step = [](SSL* ssl, bool& done) {
    if (done) return true;
    const int r = SSL_do_handshake(ssl);
    done = r == 1;
    return done || SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ;
  };
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    if (!step(client, client_done) || !step(server, server_done)) {
      ERR_clear_error();
      return false;
    }
  }
  char byte;
  SSL_read(client, &byte, 1);  // takes in the tickets; nothing else is there to read
  ERR_clear_error();
  return client_done && server_done;
}

}  // namespace paygate::test
