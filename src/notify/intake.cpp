#include "notify/intake.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace paygate::notify {
namespace {

namespace json = boost::json;

struct FieldRule {
  std::string_view name;
  std::size_t max_length;
  bool (*allowed)(char);
  std::string_view expected;
};

bool upper_dot(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; }
bool lower_word(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }
bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool printable(char c) { return c > ' ' && c < 0x7f; }
bool any_char(char c) { return c != '\0'; }

constexpr FieldRule kMchid{"mchid", 32, alnum, "1 to 32 letters or digits"};
constexpr FieldRule kEventType{"event_type", 64, upper_dot, "like TRANSACTION.SUCCESS"};
constexpr FieldRule kResourceType{"resource_type", 32, lower_word, "like transaction or refund"};
constexpr FieldRule kSummary{"summary", 256, any_char, "a short text"};
constexpr FieldRule kIdempotencyKey{"idempotency_key", 128, printable,
                                    "1 to 128 printable ASCII characters"};
constexpr std::size_t kMaxUrl = 256;
constexpr std::array<std::string_view, 7> kFields = {
    "mchid", "notify_url", "event_type", "resource_type", "summary", "resource",
    "idempotency_key"};

bool fail(IntakeProblem& problem, std::string_view field, std::string message) {
  problem = {std::string(field), std::move(message)};
  return false;
}

bool read_string(const json::object& root, const FieldRule& rule, std::string& out,
                 IntakeProblem& problem) {
  const auto* value = root.if_contains(rule.name);
  if (value == nullptr) return fail(problem, rule.name, std::string(rule.name) + " is required");
  const auto* text = value->if_string();
  if (text == nullptr) return fail(problem, rule.name, std::string(rule.name) + " must be a string");
  const bool ok = !text->empty() && text->size() <= rule.max_length &&
                  std::all_of(text->begin(), text->end(), rule.allowed);
  if (!ok) {
    return fail(problem, rule.name,
                std::string(rule.name) + " must be " + std::string(rule.expected));
  }
  out.assign(text->data(), text->size());
  return true;
}

bool read_notify_url(const json::object& root, std::string& out, IntakeProblem& problem) {
  constexpr FieldRule kUrl{"notify_url", kMaxUrl, printable, ""};
  if (!read_string(root, kUrl, out, problem)) {
    if (problem.message.ends_with("must be ")) {
      problem.message = "notify_url must be an http:// or https:// URL of at most 256 characters";
    }
    return false;
  }
  const bool scheme = out.starts_with("http://") || out.starts_with("https://");
  if (!scheme || out.find('?') != std::string::npos || out.find('#') != std::string::npos) {
    // docs/protocol.md §4: a notify_url carries no query string.
    return fail(problem, "notify_url",
                "notify_url must be an http:// or https:// URL without a query string");
  }
  return true;
}

bool read_resource(const json::object& root, std::string& out, IntakeProblem& problem) {
  const auto* value = root.if_contains("resource");
  if (value == nullptr) return fail(problem, "resource", "resource is required");
  if (!value->is_object()) return fail(problem, "resource", "resource must be a JSON object");
  out = json::serialize(*value);
  return true;
}

}  // namespace

bool parse_intake(std::string_view body, NewEvent& event, IntakeProblem& problem) {
  // The document lives only during this call: an event's tree fits in this stack buffer, so
  // parsing does not touch the heap (a bigger one continues on the heap).
  alignas(std::max_align_t) unsigned char arena[16 * 1024];
  json::monotonic_resource resource(arena, sizeof arena);
  json::error_code error;
  json::value document = json::parse(body, error, json::storage_ptr(&resource));
  if (error || !document.is_object()) {
    return fail(problem, "", "the body must be a JSON object");
  }
  const json::object& root = document.get_object();
  for (const auto& field : root) {
    if (std::find(kFields.begin(), kFields.end(), field.key()) == kFields.end()) {
      return fail(problem, field.key(), "unknown field " + std::string(field.key()));
    }
  }
  return read_string(root, kMchid, event.mchid, problem) &&
         read_notify_url(root, event.notify_url, problem) &&
         read_string(root, kEventType, event.event_type, problem) &&
         read_string(root, kResourceType, event.resource_type, problem) &&
         read_string(root, kSummary, event.summary, problem) &&
         read_resource(root, event.resource, problem) &&
         read_string(root, kIdempotencyKey, event.idempotency_key, problem);
}

bool notify_url_allowed(std::string_view url, const std::vector<std::string>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
    return url == entry || (entry.ends_with('/') && url.starts_with(entry));
  });
}

}  // namespace paygate::notify
