#pragma once
// Event ids: "EV-" + 12 hex digits of milliseconds since the epoch + 20 random hex digits.
// Shared by both outbox stores. Any thread.

#include <string>
#include <vector>

#include "notify/event.h"

namespace paygate::notify {

// `count` new ids for events taken in at `now`; throws StoreError if the random generator fails.
std::vector<std::string> new_event_ids(TimePoint now, std::size_t count);

}  // namespace paygate::notify
