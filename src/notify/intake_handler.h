#pragma once
// IntakeHandler: the internal listener's endpoints (loopback by default, bearer token optional):
//   POST /internal/notifications            hand over an event; answered after it is durable:
//                                           201 {"id"} new, 200 {"id","existing":true} repeat
//   GET  /internal/notifications?state=&mchid=&limit=   recent events, newest first
//   GET  /internal/notifications/{id}       state, attempts, last error, next attempt
//   POST /internal/notifications/{id}/retry deliver again now
// Bad input is 400 naming the field; an unknown merchant or a notify_url outside its
// allow-list 422; a full store 503. Runs on the notify intake thread; the outbox is reached
// through the Committer.

#include <atomic>
#include <memory>

#include "credentials/credentials.h"
#include "crypto/secret_buffer.h"
#include "http/exchange.h"
#include "notify/committer.h"
#include "notify/settings.h"
#include "observe/registry.h"

namespace paygate::notify {

class IntakeHandler final : public http::Handler {
 public:
  IntakeHandler(Committer& committer, const NotifySettings& settings,
                std::shared_ptr<const credentials::Credentials> credentials,
                const NotifyMetrics& names, observe::Shard& shard, std::function<void()> on_retry);

  boost::asio::awaitable<void> handle(http::Exchange& exchange) override;
  void adopt(std::shared_ptr<const credentials::Credentials> credentials) {
    credentials_ = std::move(credentials);
  }
  void on_connection_change(int delta) override { connections_.fetch_add(delta); }
  int connections() const { return connections_.load(); }  // any thread

 private:
  boost::asio::awaitable<void> intake(http::Exchange& exchange);
  boost::asio::awaitable<void> show(http::Exchange& exchange, std::string_view id);
  boost::asio::awaitable<void> retry(http::Exchange& exchange, std::string_view id);
  boost::asio::awaitable<void> list(http::Exchange& exchange);
  bool authorized(const http::Exchange& exchange) const;

  Committer& committer_;
  crypto::SecretBuffer token_;
  std::shared_ptr<const credentials::Credentials> credentials_;
  observe::Counter* rejected_;
  std::function<void()> on_retry_;
  std::atomic<int> connections_{0};
};

}  // namespace paygate::notify
