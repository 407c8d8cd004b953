#include "wechatpay/certificates.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "crypto/base64.h"
#include "crypto/random.h"
#include "wechatpay/json_fields.h"
#include "wechatpay/rfc3339.h"

namespace paygate::wechatpay {

namespace {

using detail::object_field;
using detail::string_field;

core::Error document_error(std::string_view what) {
  return core::Error{core::ErrorKind::kBadGateway, "certificate list: " + std::string(what)};
}

bool seal_entry(const crypto::Certificate& certificate, const crypto::ApiV3Key& key,
                crypto::AeadAlgorithm algorithm, crypto::Aead& aead, boost::json::object& entry) {
  std::string nonce(crypto::kAeadNonceSize, '\0'), sealed;
  if (!crypto::random_alphanumeric(nonce) ||
      !aead.seal(key, algorithm, nonce, kCertificateAssociatedData, certificate.pem(), sealed)) {
    return false;
  }
  entry["serial_no"] = certificate.serial_hex();
  entry["effective_time"] = format_rfc3339_beijing(certificate.not_before());
  entry["expire_time"] = format_rfc3339_beijing(certificate.not_after());
  entry["encrypt_certificate"] = {{"algorithm", crypto::to_string(algorithm)},
                                  {"nonce", nonce},
                                  {"associated_data", kCertificateAssociatedData},
                                  {"ciphertext", crypto::base64_encode(sealed)}};
  return true;
}

crypto::Result<crypto::Certificate> open_entry(const boost::json::object& entry,
                                               const crypto::ApiV3Key& key, crypto::Aead& aead) {
  const boost::json::object* sealed = object_field(entry, "encrypt_certificate");
  if (sealed == nullptr) return document_error("an entry lacks encrypt_certificate");
  auto algorithm = crypto::aead_algorithm_from(string_field(*sealed, "algorithm"));
  if (!algorithm) return document_error("unknown encryption algorithm");
  std::string ciphertext, pem;
  if (!crypto::base64_decode(string_field(*sealed, "ciphertext"), ciphertext)) {
    return document_error("ciphertext is not base64");
  }
  if (!aead.open(key, *algorithm, string_field(*sealed, "nonce"),
                 string_field(*sealed, "associated_data"), ciphertext, pem)) {
    return document_error("a certificate does not decrypt with the APIv3 key");
  }
  return crypto::Certificate::from_pem(pem, "downloaded platform certificate");
}

// The listing's serial and times must be the certificate's own.
bool listing_agrees(const boost::json::object& entry, const crypto::Certificate& certificate) {
  auto effective = parse_rfc3339(string_field(entry, "effective_time"));
  auto expire = parse_rfc3339(string_field(entry, "expire_time"));
  return crypto::same_serial(string_field(entry, "serial_no"), certificate.serial_hex()) &&
         effective == certificate.not_before() && expire == certificate.not_after();
}

}  // namespace

bool build_certificates_document(std::span<const crypto::Certificate> certificates,
                                 const crypto::ApiV3Key& key, crypto::AeadAlgorithm algorithm,
                                 crypto::Aead& aead, std::string& out) {
  boost::json::array data;
  for (const crypto::Certificate& certificate : certificates) {
    boost::json::object entry;
    if (!seal_entry(certificate, key, algorithm, aead, entry)) return false;
    data.push_back(std::move(entry));
  }
  out = boost::json::serialize(boost::json::object{{"data", std::move(data)}});
  return true;
}

crypto::Result<std::vector<crypto::Certificate>> parse_certificates_document(
    std::string_view body, const crypto::ApiV3Key& key, crypto::Aead& aead) {
  boost::system::error_code ec;
  boost::json::value document = boost::json::parse(body, ec);
  const boost::json::object* root = ec ? nullptr : document.if_object();
  const boost::json::value* data = root != nullptr ? root->if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) return document_error("no \"data\" array");
  std::vector<crypto::Certificate> certificates;
  for (const boost::json::value& item : data->get_array()) {
    if (!item.is_object()) return document_error("an entry is not an object");
    auto certificate = open_entry(item.get_object(), key, aead);
    if (!certificate) return certificate.error();
    if (!listing_agrees(item.get_object(), *certificate)) {
      return document_error("serial or validity differ from the certificate's own");
    }
    certificates.push_back(std::move(*certificate));
  }
  return certificates;
}

}  // namespace paygate::wechatpay
