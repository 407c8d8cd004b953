#pragma once
// The JSON an operator sees for an event (admin API and `paygate notify`): everything but the
// plaintext resource, which stays in the outbox.

#include <string>

#include "notify/event.h"

namespace paygate::notify {

std::string record_json(const EventRecord& record);

}  // namespace paygate::notify
