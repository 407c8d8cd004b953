#include "wechatpay/notification.h"

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

NotificationError read_resource(const boost::json::object& json, NotificationResource& out) {
  out.algorithm = string_field(json, "algorithm");
  out.ciphertext = string_field(json, "ciphertext");
  out.associated_data = string_field(json, "associated_data");  // may legitimately be empty
  out.original_type = string_field(json, "original_type");
  out.nonce = string_field(json, "nonce");
  if (out.algorithm.empty() || out.ciphertext.empty() || out.nonce.empty()) {
    return NotificationError::kMissingField;
  }
  return NotificationError::kNone;
}

}  // namespace

std::string_view describe(NotificationError error) {
  switch (error) {
    case NotificationError::kNone:
      return "ok";
    case NotificationError::kNotJson:
      return "notification is not a JSON object";
    case NotificationError::kMissingField:
      return "notification field missing";
    case NotificationError::kNotEncrypted:
      return "resource_type is not encrypt-resource";
    case NotificationError::kUnknownAlgorithm:
      return "unknown resource algorithm";
    case NotificationError::kBadCiphertext:
      return "resource ciphertext is not base64";
    case NotificationError::kDecryptionFailed:
      return "resource does not decrypt";
  }
  return "unknown";
}

bool build_notification(const NotificationEvent& event, const crypto::ApiV3Key& key,
                        crypto::Aead& aead, std::string& out) {
  std::string nonce(crypto::kAeadNonceSize, '\0'), sealed;
  if (!crypto::random_alphanumeric(nonce) ||
      !aead.seal(key, event.algorithm, nonce, event.original_type, event.plaintext, sealed)) {
    return false;
  }
  boost::json::object envelope{
      {"id", event.id},
      {"create_time", format_rfc3339_beijing(event.create_time)},
      {"resource_type", kEncryptResourceType},
      {"event_type", event.event_type},
      {"summary", event.summary},
      {"resource",
       {{"original_type", event.original_type},
        {"algorithm", crypto::to_string(event.algorithm)},
        {"ciphertext", crypto::base64_encode(sealed)},
        {"associated_data", event.original_type},
        {"nonce", nonce}}},
  };
  out = boost::json::serialize(envelope);
  return true;
}

NotificationError parse_notification(std::string_view body, Notification& out) {
  boost::system::error_code ec;
  boost::json::value document = boost::json::parse(body, ec);
  const boost::json::object* root = ec ? nullptr : document.if_object();
  if (root == nullptr) return NotificationError::kNotJson;
  out.id = string_field(*root, "id");
  out.create_time = string_field(*root, "create_time");
  out.event_type = string_field(*root, "event_type");
  out.resource_type = string_field(*root, "resource_type");
  out.summary = string_field(*root, "summary");
  const boost::json::object* resource = object_field(*root, "resource");
  if (out.id.empty() || out.event_type.empty() || resource == nullptr) {
    return NotificationError::kMissingField;
  }
  if (out.resource_type != kEncryptResourceType) return NotificationError::kNotEncrypted;
  return read_resource(*resource, out.resource);
}

NotificationError open_resource(const NotificationResource& resource, const crypto::ApiV3Key& key,
                                crypto::Aead& aead, std::string& plaintext) {
  plaintext.clear();
  auto algorithm = crypto::aead_algorithm_from(resource.algorithm);
  if (!algorithm) return NotificationError::kUnknownAlgorithm;
  std::string sealed;
  if (!crypto::base64_decode(resource.ciphertext, sealed)) return NotificationError::kBadCiphertext;
  if (!aead.open(key, *algorithm, resource.nonce, resource.associated_data, sealed, plaintext)) {
    return NotificationError::kDecryptionFailed;
  }
  return NotificationError::kNone;
}

}  // namespace paygate::wechatpay
