#pragma once
// Event: a payment event mockpay wants delivered to a merchant's notify_url. mockpay only records
// it; the server drains the list (MockPay::take_events) and hands it to paygate's notification
// intake (mockpay/notifier.h), which wraps it in the envelope (id, create_time) and encrypts
// `resource`. Plain value.

#include <string>

namespace paygate::mockpay {

struct Event {
  std::string mchid;          // the merchant the event belongs to (whose APIv3 key encrypts it)
  std::string notify_url;     // where the merchant wants it
  std::string event_type;     // "TRANSACTION.SUCCESS" | "REFUND.SUCCESS"
  std::string resource_type;  // the envelope's resource_type: "encrypt-resource"
  std::string original_type;  // "transaction" | "refund": resource.original_type, associated_data
  std::string summary;        // "支付成功" | "退款成功"
  std::string resource;       // the plaintext resource, JSON text
  std::string create_time;    // RFC 3339, +08:00
  std::string key;            // unique per event ("TRANSACTION.SUCCESS/<transaction_id>"): the
                              // idempotency key it is handed over with
  std::string traceparent;    // the trace of the request that caused it (set by the server)
};

}  // namespace paygate::mockpay
