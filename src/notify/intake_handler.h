#pragma once
// IntakeHandler: the internal listener's endpoints (loopback by default, bearer token optional):
//   POST /internal/notifications            hand over an event (with the X-Pay-Gateway-Version
//                                           of the request that caused it, kept with it);
//                                           answered after it is durable:
//                                           201 {"id"} new, 200 {"id","existing":true} repeat
//   GET  /internal/notifications?state=&mchid=&limit=   recent events, newest first
//   GET  /internal/notifications/{id}       state, attempts, last error, next attempt
//   POST /internal/notifications/{id}/retry deliver again now
// Bad input is 400 naming the field; an unknown merchant or a notify_url outside its
// allow-list 422; a full store 503. Runs on the notify intake thread; the outbox is reached
// through the Committer.
//
// A callbacks outbox (the merchant role's, DeliveryForm::kPlain) is filled by its receiver route
// only: there POST /internal/notifications is 405, and the other endpoints serve as they do here.
//
// Stress traffic: an event posted with the stress mark (StressMark) goes to the stress outbox
// (its committer, `stress`), checked like any other and then addressed to the stress sink, so
// it never reaches a merchant; with another value, or without a stress outbox, it is refused 422
// and stored nowhere. The stress outbox's own intake addresses every event to its sink.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "credentials/credentials.h"
#include "crypto/secret_buffer.h"
#include "http/exchange.h"
#include "notify/committer.h"
#include "notify/settings.h"
#include "observe/registry.h"

namespace paygate::notify {

// Where marked events go: the stress outbox's committer and its sink. At namespace scope: a
// nested class's member initializers are not usable in a default argument of its enclosing one.
struct StressOutbox {
  Committer* committer = nullptr;  // null: none; marked events are refused
  std::string sink;
};

class IntakeHandler final : public http::Handler {
 public:
  IntakeHandler(Committer& committer, const NotifySettings& settings,
                std::shared_ptr<const credentials::Credentials> credentials,
                const NotifyMetrics& names, observe::Shard& shard, std::function<void()> on_retry,
                StressOutbox stress = {});

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  void adopt(std::shared_ptr<const credentials::Credentials> credentials, StressMark mark) {
    credentials_ = std::move(credentials);
    mark_ = std::move(mark);
  }
  void on_connection_change(int delta) override { connections_.fetch_add(delta); }
  int connections() const { return connections_.load(); }  // any thread

 private:
  boost::asio::awaitable<void> intake(http::Exchange& exchange);
  boost::asio::awaitable<void> show(http::Exchange& exchange, std::string_view id);
  boost::asio::awaitable<void> retry(http::Exchange& exchange, std::string_view id);
  boost::asio::awaitable<void> list(http::Exchange& exchange);
  bool authorized(const http::Exchange& exchange) const;
  // The outbox an intake goes to and the sink that replaces its notify_url ("" none), or
  // nothing: a marked event this gateway cannot divert.
  struct Destination {
    Committer* committer;
    std::string_view sink;
  };
  std::optional<Destination> destination(const http::Exchange& exchange) const;

  Committer& committer_;
  crypto::SecretBuffer token_;
  std::shared_ptr<const credentials::Credentials> credentials_;
  std::string sink_;  // the stress outbox's own intake: every event goes there
  bool takes_intakes_;  // false for a callbacks outbox (DeliveryForm::kPlain): admin only
  StressOutbox stress_;
  StressMark mark_;
  observe::Counter* rejected_;
  std::function<void()> on_retry_;
  std::atomic<int> connections_{0};
};

}  // namespace paygate::notify
