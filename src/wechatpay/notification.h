#pragma once
// The notification envelope POSTed to a merchant's notify_url (docs/protocol.md §4):
//   {"id","create_time","event_type","resource_type":"encrypt-resource","summary",
//    "resource":{"algorithm","ciphertext","associated_data","original_type","nonce"}}
// build_notification() is the platform side (seals the resource with the merchant's APIv3 key);
// parse_notification() + open_resource() the merchant side. The signature headers are checked
// separately (client.h ResponseVerifier). Unknown fields are ignored. The Aead is the calling
// thread's; everything else is pure.

#include <chrono>
#include <string>
#include <string_view>

#include "crypto/aead.h"

namespace paygate::wechatpay {

inline constexpr std::string_view kEncryptResourceType = "encrypt-resource";

struct NotificationResource {
  std::string algorithm;   // "AEAD_AES_256_GCM" or "AEAD_SM4_GCM"
  std::string ciphertext;  // base64 of ciphertext || tag
  std::string associated_data;
  std::string original_type;
  std::string nonce;
};

struct Notification {
  std::string id;           // the event id: merchants drop duplicates by it
  std::string create_time;  // RFC 3339 as sent
  std::string event_type;   // "TRANSACTION.SUCCESS", ...
  std::string resource_type;
  std::string summary;
  NotificationResource resource;
};

struct NotificationEvent {
  std::string_view id;
  std::chrono::sys_seconds create_time;
  std::string_view event_type;
  std::string_view summary;        // "支付成功"
  std::string_view original_type;  // "transaction", "refund": also the associated data
  std::string_view plaintext;      // the resource JSON
  crypto::AeadAlgorithm algorithm = crypto::AeadAlgorithm::kAes256Gcm;
};

// Replaces out with the envelope JSON, resource sealed under a fresh random nonce.
bool build_notification(const NotificationEvent& event, const crypto::ApiV3Key& key,
                        crypto::Aead& aead, std::string& out);

enum class NotificationError {
  kNone,
  kNotJson,           // not a JSON object
  kMissingField,      // id, event_type, resource or a resource field absent
  kNotEncrypted,      // resource_type is not "encrypt-resource"
  kUnknownAlgorithm,  // resource.algorithm is neither AEAD name
  kBadCiphertext,     // resource.ciphertext is not base64
  kDecryptionFailed,  // wrong key, nonce, associated data, or tampered
};

std::string_view describe(NotificationError error);

NotificationError parse_notification(std::string_view body, Notification& out);

// Replaces plaintext with the resource JSON.
NotificationError open_resource(const NotificationResource& resource, const crypto::ApiV3Key& key,
                                crypto::Aead& aead, std::string& plaintext);

}  // namespace paygate::wechatpay
