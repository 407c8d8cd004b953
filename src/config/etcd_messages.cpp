#include "config/etcd_messages.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "crypto/base64.h"

namespace paygate::config {
namespace {

namespace json = boost::json;

// int64 fields: proto3 JSON writes them as strings of digits; a number is also accepted.
std::optional<std::int64_t> read_int64(const json::object& object, std::string_view name) {
  const json::value* field = object.if_contains(name);
  if (field == nullptr) return 0;  // proto3 leaves out zero values
  if (field->is_int64()) return field->as_int64();
  if (field->is_uint64() && field->as_uint64() <= INT64_MAX) {
    return static_cast<std::int64_t>(field->as_uint64());
  }
  if (!field->is_string()) return std::nullopt;
  const json::string& text = field->as_string();
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

bool read_bool(const json::object& object, std::string_view name) {
  const json::value* field = object.if_contains(name);
  return field != nullptr && field->is_bool() && field->as_bool();
}

std::optional<std::int64_t> header_revision(const json::object& object) {
  const json::value* header = object.if_contains("header");
  if (header == nullptr || !header->is_object()) return std::nullopt;
  return read_int64(header->as_object(), "revision");
}

// A key-value: the value (absent when empty) decoded, and its mod_revision.
std::optional<EtcdValue> read_kv(const json::value& kv) {
  if (!kv.is_object()) return std::nullopt;
  const json::object& object = kv.as_object();
  EtcdValue out;
  const auto mod_revision = read_int64(object, "mod_revision");
  if (!mod_revision) return std::nullopt;
  out.mod_revision = *mod_revision;
  const json::value* value = object.if_contains("value");
  if (value == nullptr) return out;
  if (!value->is_string() || value->as_string().size() > kMaxEtcdMessageBytes) return std::nullopt;
  if (!crypto::base64_decode(value->as_string(), out.value)) return std::nullopt;
  if (out.value.size() > kMaxEtcdDocumentBytes) return std::nullopt;
  return out;
}

// The gateway's error shapes: {"error": "text", "message": ...} for a unary call,
// {"error": {"grpc_code": N, "message": "text", ...}} inside a stream.
std::string error_text(const json::object& object) {
  const json::value* error = object.if_contains("error");
  const json::value* message = object.if_contains("message");
  if (error != nullptr && error->is_object()) message = error->as_object().if_contains("message");
  if (message != nullptr && message->is_string()) return std::string(message->as_string());
  if (error != nullptr && error->is_string()) return std::string(error->as_string());
  return "an error without a message";
}

EtcdWatchMessage watch_error(std::string detail) {
  EtcdWatchMessage out;
  out.kind = EtcdWatchMessage::Kind::kError;
  out.detail = std::move(detail);
  return out;
}

// The events of one response: the watch is on one key, so the last event is its state.
EtcdWatchMessage read_events(const json::array& events, std::int64_t revision) {
  const json::value& last = events.back();
  if (!last.is_object() || !last.as_object().contains("kv")) {
    return watch_error("a watch event without a key-value");
  }
  const json::object& event = last.as_object();
  auto kv = read_kv(event.at("kv"));
  if (!kv) return watch_error("a watch event with an unreadable or oversized key-value");
  EtcdWatchMessage out;
  const json::value* type = event.if_contains("type");
  if (type == nullptr || (type->is_string() && type->as_string() == "PUT")) {
    out.kind = EtcdWatchMessage::Kind::kPut;
  } else if (type->is_string() && type->as_string() == "DELETE") {
    out.kind = EtcdWatchMessage::Kind::kDeleted;
  } else {
    return watch_error("a watch event of unknown type");
  }
  out.revision = kv->mod_revision != 0 ? kv->mod_revision : revision;
  out.value = std::move(*kv);
  return out;
}

}  // namespace

std::string etcd_range_request(std::string_view key) {
  return json::serialize(json::object{{"key", crypto::base64_encode(key)}});
}

std::string etcd_watch_request(std::string_view key, std::int64_t start_revision) {
  json::object create{{"key", crypto::base64_encode(key)}};
  if (start_revision > 0) create["start_revision"] = std::to_string(start_revision);
  return json::serialize(json::object{{"create_request", std::move(create)}});
}

EtcdRangeReply parse_etcd_range_reply(std::string_view body) {
  EtcdRangeReply reply;
  if (body.size() > kMaxEtcdMessageBytes) {
    reply.error = "the range reply is larger than " + std::to_string(kMaxEtcdMessageBytes);
    return reply;
  }
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) {
    reply.error = "the range reply is not a JSON object";
    return reply;
  }
  const json::object& object = parsed.as_object();
  if (object.contains("error")) {
    reply.error = error_text(object);
    return reply;
  }
  const auto revision = header_revision(object);
  if (!revision || *revision <= 0) {
    reply.error = "the range reply has no header revision";
    return reply;
  }
  reply.revision = *revision;
  const json::value* kvs = object.if_contains("kvs");
  if (kvs == nullptr) return reply;
  if (!kvs->is_array() || kvs->as_array().size() != 1) {
    reply.error = "the range reply does not hold exactly one key-value";
    return reply;
  }
  reply.value = read_kv(kvs->as_array()[0]);
  if (!reply.value) reply.error = "the range reply holds an unreadable or oversized key-value";
  return reply;
}

EtcdWatchMessage read_etcd_watch_message(const json::value& message) {
  if (!message.is_object()) return watch_error("a watch message that is not a JSON object");
  const json::object& outer = message.as_object();
  if (outer.contains("error")) return watch_error(error_text(outer));
  const json::value* result = outer.if_contains("result");
  if (result == nullptr || !result->is_object())
    return watch_error("a watch message without result");
  const json::object& object = result->as_object();
  const auto revision = header_revision(object);
  const auto compact_revision = read_int64(object, "compact_revision");
  if (!revision || !compact_revision) return watch_error("a watch message with a bad revision");
  EtcdWatchMessage out;
  out.revision = *revision;
  if (*compact_revision > 0) {
    out.kind = EtcdWatchMessage::Kind::kCompacted;
    out.compact_revision = *compact_revision;
    return out;
  }
  if (read_bool(object, "canceled")) {
    out.kind = EtcdWatchMessage::Kind::kCanceled;
    const json::value* reason = object.if_contains("cancel_reason");
    out.detail = reason != nullptr && reason->is_string() ? std::string(reason->as_string())
                                                          : "canceled by the server";
    return out;
  }
  if (read_bool(object, "created")) {
    out.kind = EtcdWatchMessage::Kind::kCreated;
    return out;
  }
  const json::value* events = object.if_contains("events");
  if (events == nullptr || (events->is_array() && events->as_array().empty())) {
    out.kind = EtcdWatchMessage::Kind::kProgress;
    return out;
  }
  if (!events->is_array()) return watch_error("watch events that are not an array");
  return read_events(events->as_array(), *revision);
}

void EtcdWatchStream::feed(std::string_view bytes, std::vector<EtcdWatchMessage>& out) {
  while (!bytes.empty() && !broken_) {
    boost::system::error_code ec;
    const std::size_t used = parser_.write_some(bytes.data(), bytes.size(), ec);
    message_bytes_ += used;
    bytes.remove_prefix(used);
    if (ec) {
      broken_ = true;
      out.push_back(watch_error("the watch stream is not JSON: " + ec.message()));
      return;
    }
    if (message_bytes_ > kMaxEtcdMessageBytes) {
      broken_ = true;
      out.push_back(watch_error("a watch message is larger than " +
                                std::to_string(kMaxEtcdMessageBytes) + " bytes"));
      return;
    }
    if (!parser_.done()) {
      if (used == 0) return;  // cannot happen with bytes left; never spin
      continue;
    }
    out.push_back(read_etcd_watch_message(parser_.release()));
    parser_.reset();
    message_bytes_ = 0;
  }
}

}  // namespace paygate::config
