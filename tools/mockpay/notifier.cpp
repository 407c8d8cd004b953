#include "mockpay/notifier.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <stdexcept>

#include "mockpay/json_util.h"

namespace paygate::mockpay {

namespace asio = boost::asio;
namespace json = boost::json;

std::string intake_document(const Event& event) {
  json::object doc{{"mchid", event.mchid},           {"notify_url", event.notify_url},
                   {"event_type", event.event_type}, {"resource_type", event.original_type},
                   {"summary", event.summary},       {"idempotency_key", event.key}};
  // The resource is mockpay's own JSON text, so it always parses.
  doc["resource"] = parse_object(event.resource).value_or(json::object{});
  return json::serialize(doc);
}

namespace {
// A 4xx other than 408/429 says the event itself is unacceptable (unknown merchant, notify_url
// not allowed): repeating it cannot help.
Notifier::Handover classify(const notify::DeliveryReply& reply) {
  if (reply.failure != notify::DeliveryReply::Failure::kNone) return Notifier::Handover::kRetry;
  if (reply.status == 200 || reply.status == 201) return Notifier::Handover::kAccepted;
  const bool refused =
      reply.status >= 400 && reply.status < 500 && reply.status != 408 && reply.status != 429;
  return refused ? Notifier::Handover::kRefused : Notifier::Handover::kRetry;
}
}  // namespace

Notifier::Notifier(asio::any_io_executor executor, NotifierOptions options)
    : executor_(executor), options_(std::move(options)), courier_(executor, 1, nullptr) {
  std::string reason;
  if (!notify::parse_target(options_.intake_url, intake_, reason)) {
    throw std::invalid_argument("--notify-intake " + options_.intake_url + ": " + reason);
  }
  if (intake_.tls) {  // the gateway's intake listener is internal and speaks plain HTTP
    throw std::invalid_argument("--notify-intake " + options_.intake_url +
                                ": expected an http:// URL (the intake does not serve TLS)");
  }
  if (!options_.token.empty()) authorization_ = "Bearer " + options_.token;
}

void Notifier::submit(std::vector<Event> events) {
  for (Event& event : events) queue_.push_back(std::move(event));
  if (sending_ || queue_.empty()) return;
  sending_ = true;
  asio::co_spawn(executor_, send_all(), asio::detached);
}

asio::awaitable<void> Notifier::send_all() {
  asio::steady_timer timer(executor_);
  auto pause = options_.first_pause;
  while (!queue_.empty()) {
    if (co_await hand_over(queue_.front()) != Handover::kRetry) {
      queue_.pop_front();
      pause = options_.first_pause;
      continue;
    }
    timer.expires_after(pause);
    co_await timer.async_wait(asio::use_awaitable);
    pause = std::min(pause * 2, options_.max_pause);
  }
  sending_ = false;
}

asio::awaitable<Notifier::Handover> Notifier::hand_over(const Event& event) {
  const std::string body = intake_document(event);
  notify::Headers headers{{"Content-Type", "application/json"}};
  if (!authorization_.empty()) headers.emplace_back("Authorization", authorization_);
  // The payment's trace goes on into the notification (paygate keeps it with the event).
  if (!event.traceparent.empty()) headers.emplace_back("traceparent", event.traceparent);
  const notify::DeliveryReply reply =
      co_await courier_.post(intake_, headers, body, options_.attempt_timeout);
  const Handover outcome = classify(reply);
  const std::string what =
      reply.error.empty() ? "HTTP " + std::to_string(reply.status) : reply.error;
  if (outcome == Handover::kAccepted) {
    std::cout << "mockpay: " << event.event_type << " " << event.key << " handed to "
              << options_.intake_url << std::endl;
  } else {
    std::cerr << "mockpay: intake of " << event.key << " failed (" << what << "); "
              << (outcome == Handover::kRetry ? "retrying" : "dropped: the gateway refuses it")
              << std::endl;
  }
  co_return outcome;
}

}  // namespace paygate::mockpay
