#pragma once
// CallbackIntake: the merchant role's callbacks outbox as the receiver step sees it
// (steps::CallbackOutbox). Each callback becomes an event addressed to the app's URL
// (merchant.callbacks.forward_to), keyed by the platform's event id, and is group-committed by
// the outbox's Committer like a notification intake; the dispatchers then forward it.

#include <string>

#include "notify/committer.h"
#include "steps/receive_callback.h"

namespace paygate::notify {

class CallbackIntake final : public steps::CallbackOutbox {
 public:
  CallbackIntake(Committer& committer, std::string forward_to)
      : committer_(committer), forward_to_(std::move(forward_to)) {}

  boost::asio::awaitable<steps::Kept> keep(const steps::ReceivedCallback& callback) override;

 private:
  Committer& committer_;
  std::string forward_to_;
};

}  // namespace paygate::notify
