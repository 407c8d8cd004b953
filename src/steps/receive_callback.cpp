#include "steps/receive_callback.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/error_response.h"
#include "steps/pipeline.h"
#include "steps/signed_fields.h"

namespace paygate::steps {
namespace {

namespace json = boost::json;
using wechatpay::NotificationError;
using wechatpay::Verification;

constexpr int kUnauthorized = 401;
constexpr int kBadRequest = 400;
constexpr int kInternalError = 500;
constexpr int kUnavailable = 503;
// The platform's ids are short; anything longer or unprintable is not a real event and would
// only bloat the outbox's key index.
constexpr std::size_t kMaxIdLength = 128;

bool printable(std::string_view text) {
  return !text.empty() && text.size() <= kMaxIdLength &&
         std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

}  // namespace

ReceiveCallback::ReceiveCallback(const credentials::MerchantRole& role, PlatformTrust& trust,
                                 wechatpay::ResponseVerifier& verifier, CallbackOutbox* outbox,
                                 RequestMetrics& metrics)
    : role_(role),
      trust_(trust),
      view_(trust),
      verifier_(verifier),
      outbox_(outbox),
      metrics_(metrics) {}

boost::asio::awaitable<Next> ReceiveCallback::on_request(http::Exchange& ex,
                                                         RequestContext& context) {
  std::string_view message;
  const std::string_view refused = verify(ex, message);
  if (!refused.empty()) co_return co_await refuse(ex, context, kUnauthorized, refused, message);

  wechatpay::Notification notification;
  if (const NotificationError error = wechatpay::parse_notification(ex.body(), notification);
      error != NotificationError::kNone) {
    co_return co_await refuse(ex, context, kBadRequest, "malformed", wechatpay::describe(error));
  }
  if (!printable(notification.id) || !printable(notification.event_type)) {
    co_return co_await refuse(ex, context, kBadRequest, "malformed",
                              "id and event_type must be printable, at most 128 characters");
  }
  std::string plaintext;
  std::string_view problem;
  const credentials::SigningIdentity* identity = open(notification.resource, plaintext, problem);
  if (identity == nullptr) {
    // Signed by the platform yet opened by no APIv3 key configured: most likely the key was
    // changed on one side only. Not acknowledged, so the platform retries it after the fix.
    spdlog::error("callback {}: {}", notification.id, problem);
    co_return co_await refuse(ex, context, kInternalError, "undecryptable", problem);
  }
  if (outbox_ == nullptr) {
    co_return co_await refuse(ex, context, kUnavailable, "no_outbox",
                              "the callbacks outbox is not running (restart to start it)");
  }
  const std::string body = forward_body(notification, identity->mchid, plaintext);
  const Kept kept = co_await outbox_->keep(ReceivedCallback{
      .mchid = identity->mchid,
      .event_id = notification.id,
      .event_type = notification.event_type,
      .original_type = notification.resource.original_type,
      .summary = notification.summary,
      .body = body,
      .traceparent = ex.trace().traceparent(),
  });
  switch (kept) {
    case Kept::kNew:
    case Kept::kRepeat:
      metrics_.count_callback(kept == Kept::kNew ? "stored" : "duplicate");
      // WeChat Pay takes 200 or 204 with no body as the acknowledgement.
      co_await answer(ex, context, 200, {}, {});
      co_return Next::kAnswered;
    case Kept::kFull:
      co_return co_await refuse(ex, context, kUnavailable, "store_full",
                                "the callbacks outbox is full");
    case Kept::kFailed:
      break;
  }
  co_return co_await refuse(ex, context, kInternalError, "store_error",
                            "the callback could not be stored");
}

std::string_view ReceiveCallback::verify(const http::Exchange& ex, std::string_view& message) {
  wechatpay::SignedHeaders headers;
  if (!collect_signed_fields(ex.request().fields, headers)) {
    message = "a Wechatpay-* signature field appears twice";
    return "ambiguous_signature";
  }
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const Verification result =
      verifier_.verify(headers, ex.body(), view_.keys().keys, now, role_.clock_skew());
  if (result == Verification::kOk) return {};
  // The platform may have rotated its certificate: a download brings the new one, and the
  // platform's next try of this callback verifies.
  if (result == Verification::kUnknownSerial) trust_.ask_refresh();
  message = wechatpay::describe(result);
  return wechatpay::label(result);
}

const credentials::SigningIdentity* ReceiveCallback::open(
    const wechatpay::NotificationResource& resource, std::string& plaintext,
    std::string_view& problem) {
  problem = "no configured APIv3 key decrypts the resource";
  for (const credentials::SigningIdentity& identity : role_.identities()) {
    const NotificationError error =
        wechatpay::open_resource(resource, identity.apiv3_key, aead_, plaintext);
    if (error == NotificationError::kNone) return &identity;
    if (error != NotificationError::kDecryptionFailed) {
      problem = wechatpay::describe(error);  // no key can help: the resource itself is bad
      return nullptr;
    }
  }
  return nullptr;
}

boost::asio::awaitable<Next> ReceiveCallback::refuse(http::Exchange& ex, RequestContext& context,
                                                     int status, std::string_view result,
                                                     std::string_view message) {
  metrics_.count_callback(result);
  context.refusal = result;
  std::string& body = ex.scratch().reply_body;
  body.clear();
  http::append_error_body(body, "FAIL", message);
  co_await answer(ex, context, status, "application/json", body);
  co_return Next::kAnswered;
}

std::string forward_body(const wechatpay::Notification& notification, std::string_view mchid,
                         std::string_view plaintext) {
  json::object event;
  event["id"] = notification.id;
  event["create_time"] = notification.create_time;
  event["event_type"] = notification.event_type;
  event["summary"] = notification.summary;
  event["mchid"] = mchid;
  event["original_type"] = notification.resource.original_type;
  boost::system::error_code ec;
  json::value resource = json::parse(plaintext, ec);
  if (ec) resource = json::string(plaintext);
  event["resource"] = std::move(resource);
  return json::serialize(event);
}

}  // namespace paygate::steps
