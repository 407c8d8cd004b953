#include "notify/record_json.h"

#include <ctime>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace paygate::notify {
namespace {

// UTC with milliseconds: 2026-11-30T12:00:00.250Z
std::string rfc3339(TimePoint t) {
  const auto ms = t.time_since_epoch().count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

}  // namespace

std::string record_json(const EventRecord& r) {
  boost::json::object o;
  o["id"] = r.id;
  o["mchid"] = r.event.mchid;
  o["notify_url"] = r.event.notify_url;
  o["event_type"] = r.event.event_type;
  o["resource_type"] = r.event.resource_type;
  o["idempotency_key"] = r.event.idempotency_key;
  o["traceparent"] = r.event.traceparent;  // of the intake call: every delivery continues it
  if (!r.event.version.empty()) o["version"] = r.event.version;
  o["state"] = state_name(r.state);
  o["leased"] = r.leased;
  o["attempts"] = r.attempts;
  o["created_at"] = rfc3339(r.created_at);
  if (r.state == EventState::kPending) {
    o["next_attempt_at"] = rfc3339(r.due_at);
  } else {
    o["finished_at"] = rfc3339(r.finished_at);
  }
  o["last_error"] = r.last_error;
  return boost::json::serialize(o);
}

}  // namespace paygate::notify
