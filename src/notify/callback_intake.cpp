#include "notify/callback_intake.h"

namespace paygate::notify {

boost::asio::awaitable<steps::Kept> CallbackIntake::keep(const steps::ReceivedCallback& callback) {
  NewEvent event;
  event.mchid = callback.mchid;
  event.notify_url = forward_to_;
  event.event_type = callback.event_type;
  event.resource_type = callback.original_type;
  event.summary = callback.summary;
  event.resource = callback.body;
  event.idempotency_key = callback.event_id;
  event.traceparent = callback.traceparent;
  const IntakeResult result = co_await commit_event(committer_, std::move(event));
  switch (result.status) {
    case IntakeStatus::kCreated:
      co_return steps::Kept::kNew;
    case IntakeStatus::kExisting:
      co_return steps::Kept::kRepeat;
    case IntakeStatus::kStoreFull:
      co_return steps::Kept::kFull;
    case IntakeStatus::kStoreError:
      break;
  }
  co_return steps::Kept::kFailed;
}

}  // namespace paygate::notify
