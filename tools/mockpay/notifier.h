#pragma once
// Notifier: hands mockpay's payment events to paygate's notification intake
// (POST /internal/notifications), as a payment backend does. An event counts as handed over only
// once the gateway acknowledged it (201 new, 200 already known); a refusal of the event itself
// (400, 422, ...) drops it with a message, anything else is retried with a growing pause, and
// the idempotency key (Event::key) makes every repeat safe. Events go out one at a time, oldest
// first. Runs on the server's io_context; not thread-safe.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "mockpay/event.h"
#include "notify/courier.h"

namespace paygate::mockpay {

struct NotifierOptions {
  std::string intake_url;  // http://host:port/internal/notifications
  std::string token;       // bearer token of the intake; empty for none
  std::chrono::milliseconds attempt_timeout{5000};
  std::chrono::milliseconds first_pause{200};  // doubled after each failure...
  std::chrono::milliseconds max_pause{10000};  // ...up to this
};

// The intake document for one event (notify/intake.h): the plaintext resource
// as an object.
std::string intake_document(const Event& event);

class Notifier {
 public:
  enum class Handover { kAccepted, kRefused, kRetry };

  // Throws std::invalid_argument when intake_url is not an http:// URL.
  Notifier(boost::asio::any_io_executor executor, NotifierOptions options);

  // Queues the events; starts sending unless a send loop is already running.
  void submit(std::vector<Event> events);
  std::size_t queued() const { return queue_.size(); }

 private:
  boost::asio::awaitable<void> send_all();
  boost::asio::awaitable<Handover> hand_over(const Event& event);

  boost::asio::any_io_executor executor_;
  NotifierOptions options_;
  notify::DeliveryTarget intake_;
  std::string authorization_;
  notify::Courier courier_;
  std::deque<Event> queue_;
  bool sending_ = false;
};

}  // namespace paygate::mockpay
