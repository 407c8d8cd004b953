#pragma once
// The intake document a backend POSTs to /internal/notifications, read strictly into a NewEvent:
//   {"mchid", "notify_url", "event_type", "resource_type", "summary", "resource": {...},
//    "idempotency_key"}
// `resource` is the plaintext resource object (it is sealed per delivery, not here). Every
// problem names the field. Pure; any thread.

#include <string>
#include <string_view>
#include <vector>


#include "notify/event.h"

namespace paygate::notify {

struct IntakeProblem {
  std::string field;    // "" when the body is not a JSON object at all
  std::string message;
};

// Fills event (traceparent excepted) or returns false with the problem.
bool parse_intake(std::string_view body, NewEvent& event, IntakeProblem& problem);

// Whether `url` is allowed by a merchant's notify_urls: an entry allows itself, and an entry
// ending in '/' allows every URL below it.
bool notify_url_allowed(std::string_view url, const std::vector<std::string>& allowed);

}  // namespace paygate::notify
