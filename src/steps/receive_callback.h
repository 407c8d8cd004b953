#pragma once
// ReceiveCallback: the action of a `receive: callbacks` route, the merchant role's notify_url.
// WeChat Pay POSTs each payment or refund notification here; the step
//   1. verifies its Wechatpay-* signature against the trusted platform keys (PlatformTrust):
//      serial known (an unknown one asks for a download of the certificates), timestamp within
//      merchant.clock_skew, signature good for the exact body; a WECHATPAY/SIGNTEST/ probe and
//      every failure are answered 401 {"code":"FAIL"}, so the platform retries later;
//   2. decrypts the resource (AEAD_AES_256_GCM or AEAD_SM4_GCM) with the APIv3 key of the
//      merchant identity that opens it (the GCM tag tells the right key from the others);
//   3. hands the plaintext event to the callbacks outbox (CallbackOutbox), keyed by the event id,
//      and answers 200 only once it is committed there: a repeat of an id kept within the
//      outbox's retention is acknowledged again and not stored twice, so the app gets it once.
// A full or failing outbox is 503/500 {"code":"FAIL"}: the platform keeps the event and retries.
// Each callback is counted in paygate_callbacks_received_total{result}.

#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "credentials/merchant_role.h"
#include "crypto/aead.h"
#include "steps/platform_trust.h"
#include "steps/request_metrics.h"
#include "steps/step.h"
#include "wechatpay/client.h"
#include "wechatpay/notification.h"

namespace paygate::steps {

// One decrypted callback, as the outbox keeps it. Views into the receiving request's frame.
struct ReceivedCallback {
  std::string_view mchid;          // the identity whose APIv3 key opened it
  std::string_view event_id;       // the platform's id: one stored event per id
  std::string_view event_type;     // "TRANSACTION.SUCCESS"
  std::string_view original_type;  // "transaction"
  std::string_view summary;
  std::string_view body;  // what the app receives: the event with its plaintext resource
  std::string_view traceparent;
};

enum class Kept {
  kNew,     // stored: it will be forwarded
  kRepeat,  // an event with this id is already stored (or was forwarded within retention)
  kFull,    // the outbox is at its size limit
  kFailed,  // the outbox could not commit
};

// Where received callbacks are kept durably (the merchant.callbacks outbox, notify/); the process
// owns it, every worker's steps use it.
class CallbackOutbox {
 public:
  virtual ~CallbackOutbox() = default;
  // Resumes once the callback is committed (or refused), on the caller's executor.
  virtual boost::asio::awaitable<Kept> keep(const ReceivedCallback& callback) = 0;
};

class ReceiveCallback final : public RequestStep {
 public:
  // `role` is the snapshot's, `trust` and `outbox` the process's (outbox null: the outbox is
  // not running, as after a reload that added it: callbacks are refused 503 until a restart);
  // `verifier` is the worker's.
  ReceiveCallback(const credentials::MerchantRole& role, PlatformTrust& trust,
                  wechatpay::ResponseVerifier& verifier, CallbackOutbox* outbox,
                  RequestMetrics& metrics);

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  // Checks the signature; empty when it verifies, else the metric label of why not.
  std::string_view verify(const http::Exchange& exchange, std::string_view& message);
  // The identity whose APIv3 key opens `resource` (plaintext filled), or null.
  const credentials::SigningIdentity* open(const wechatpay::NotificationResource& resource,
                                           std::string& plaintext, std::string_view& problem);
  // Answers {"code":"FAIL","message"} with `status`, counting `result`.
  boost::asio::awaitable<Next> refuse(http::Exchange& exchange, RequestContext& context, int status,
                                      std::string_view result, std::string_view message);

  const credentials::MerchantRole& role_;
  PlatformTrust& trust_;
  TrustView view_;
  wechatpay::ResponseVerifier& verifier_;
  CallbackOutbox* outbox_;
  RequestMetrics& metrics_;
  crypto::Aead aead_;
};

// The JSON the app receives for one callback: the envelope's id, create_time, event_type and
// summary, the identity's mchid, the resource's original_type, and the decrypted resource (as
// JSON when it parses, else as a string).
std::string forward_body(const wechatpay::Notification& notification, std::string_view mchid,
                         std::string_view plaintext);

}  // namespace paygate::steps
