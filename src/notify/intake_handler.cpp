#include "notify/intake_handler.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "core/token.h"
#include "crypto/compare.h"
#include "notify/intake.h"
#include "notify/record_json.h"

namespace paygate::notify {
namespace {

using core::ErrorKind;
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kBase = "/internal/notifications";
constexpr std::size_t kMaxList = 1000;
// The version a split or canary chose, as the gateway sent it to the backend
// (proxy::kVersionHeader); a backend passes it on with the events the request causes.
constexpr std::string_view kVersionField = "X-Pay-Gateway-Version";
constexpr std::size_t kMaxVersion = 64;

// A version name as config/ accepts one (an RFC 9110 token), or none.
bool is_version(std::string_view text) {
  return text.empty() || (text.size() <= kMaxVersion && core::is_token(text));
}

// The value of `name` in a query string (no percent-decoding: every value we accept is plain).
std::string_view query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
  }
  return {};
}

std::string id_json(const std::string& id, bool existing) {
  boost::json::object o;
  o["id"] = id;
  if (existing) o["existing"] = true;
  return boost::json::serialize(o);
}

}  // namespace

IntakeHandler::IntakeHandler(Committer& committer, const NotifySettings& settings,
                             std::shared_ptr<const credentials::Credentials> credentials,
                             const NotifyMetrics& names, observe::Shard& shard,
                             std::function<void()> on_retry, StressOutbox stress)
    : committer_(committer),
      token_(settings.token),
      credentials_(std::move(credentials)),
      sink_(settings.sink),
      takes_intakes_(settings.form == DeliveryForm::kSealed),
      stress_(std::move(stress)),
      rejected_(shard.counter(names.intakes, {"rejected"})),
      on_retry_(std::move(on_retry)) {}

bool IntakeHandler::authorized(const http::Exchange& exchange) const {
  if (token_.empty()) return true;
  constexpr std::string_view kBearer = "Bearer ";
  const auto header = exchange.request().fields.find(http::Field::authorization);
  return header.starts_with(kBearer) &&
         crypto::constant_time_equals(header.substr(kBearer.size()), token_.view());
}

boost::asio::awaitable<void> IntakeHandler::handle(http::Exchange& exchange) {
  if (!authorized(exchange)) {
    co_await exchange.respond_error(ErrorKind::kUnauthorized,
                                    "a valid Authorization: Bearer token is required");
    co_return;
  }
  const auto& request = exchange.request();
  std::string_view path = request.path;
  if (!path.starts_with(kBase)) {
    co_await exchange.respond_error(ErrorKind::kNotFound, "no such internal endpoint");
    co_return;
  }
  path.remove_prefix(kBase.size());
  const bool get = request.method == http::Verb::get;
  const bool post = request.method == http::Verb::post;
  if (path.empty() || path == "/") {
    if (post && takes_intakes_) co_return co_await intake(exchange);
    if (get) co_return co_await list(exchange);
  } else if (path.starts_with('/')) {
    path.remove_prefix(1);
    constexpr std::string_view kRetry = "/retry";
    if (path.ends_with(kRetry) && post) {
      co_return co_await retry(exchange, path.substr(0, path.size() - kRetry.size()));
    }
    if (path.find('/') == std::string_view::npos && get) co_return co_await show(exchange, path);
    if (path.find('/') != std::string_view::npos && !path.ends_with(kRetry)) {
      co_await exchange.respond_error(ErrorKind::kNotFound, "no such internal endpoint");
      co_return;
    }
  }
  co_await exchange.respond_error(ErrorKind::kMethodNotAllowed,
                                  "method not allowed on this endpoint");
}

std::optional<IntakeHandler::Destination> IntakeHandler::destination(
    const http::Exchange& exchange) const {
  const std::string_view mark =
      mark_.header.empty() ? std::string_view{} : exchange.request().fields.find(mark_.header);
  if (mark.empty()) return Destination{&committer_, sink_};
  if (mark != mark_.value || stress_.committer == nullptr) return std::nullopt;
  return Destination{stress_.committer, stress_.sink};
}

boost::asio::awaitable<void> IntakeHandler::intake(http::Exchange& exchange) {
  const std::optional<Destination> to = destination(exchange);
  if (!to) {
    rejected_->inc();
    co_await exchange.respond_error(ErrorKind::kUnprocessable,
                                    mark_.header +
                                        " marks stress traffic this gateway has no stress outbox "
                                        "for; the event was not stored");
    co_return;
  }
  const std::string_view version = exchange.request().fields.find(kVersionField);
  if (!is_version(version)) {
    rejected_->inc();
    co_await exchange.respond_error(ErrorKind::kBadRequest,
                                    "X-Pay-Gateway-Version must be a token of at most 64 "
                                    "characters");
    co_return;
  }
  NewEvent event;
  IntakeProblem problem;
  if (!parse_intake(exchange.body(), event, problem)) {
    rejected_->inc();
    co_await exchange.respond_error(ErrorKind::kBadRequest, problem.message);
    co_return;
  }
  const auto* merchant = credentials_ ? credentials_->merchant(event.mchid) : nullptr;
  if (merchant == nullptr) {
    rejected_->inc();
    co_await exchange.respond_error(ErrorKind::kUnprocessable,
                                    "mchid " + event.mchid + " is not a configured merchant");
    co_return;
  }
  if (!notify_url_allowed(event.notify_url, merchant->notify_urls)) {
    rejected_->inc();
    co_await exchange.respond_error(
        ErrorKind::kUnprocessable,
        "notify_url is not in the notify_urls of merchant " + event.mchid);
    co_return;
  }
  // Stress traffic never notifies a merchant: its events go to the sink, checked as they came.
  if (!to->sink.empty()) event.notify_url = std::string(to->sink);
  // The backend's trace continues into every delivery of this event (a new span per attempt).
  event.traceparent = std::string(exchange.trace().traceparent());
  event.version = std::string(version);
  IntakeResult result = co_await commit_event(*to->committer, std::move(event));
  switch (result.status) {
    case IntakeStatus::kCreated:
      co_await exchange.respond(201, kJson, id_json(result.id, false));
      break;
    case IntakeStatus::kExisting:
      co_await exchange.respond(200, kJson, id_json(result.id, true));
      break;
    case IntakeStatus::kStoreFull:
      co_await exchange.respond_error(ErrorKind::kUnavailable,
                                      "the outbox is full; the event was not stored");
      break;
    case IntakeStatus::kStoreError:
      co_await exchange.respond_error(ErrorKind::kUnavailable,
                                      "the outbox cannot be written; the event was not stored");
      break;
  }
}

boost::asio::awaitable<void> IntakeHandler::show(http::Exchange& exchange, std::string_view id) {
  // Named, not a temporary in the co_await expression: GCC 12 mis-copies such temporaries.
  std::function<std::optional<EventRecord>(Store&)> find =
      [id = std::string(id)](Store& store) { return store.find(id); };
  auto record = co_await query_store(committer_, std::move(find));
  if (!record) {
    co_await exchange.respond_error(ErrorKind::kNotFound, "no such notification");
    co_return;
  }
  co_await exchange.respond(200, kJson, record_json(*record));
}

boost::asio::awaitable<void> IntakeHandler::retry(http::Exchange& exchange, std::string_view id) {
  std::function<bool(Store&)> retry_now = [id = std::string(id)](Store& store) {
    return store.retry_now(id, now_ms());
  };
  const bool found = co_await query_store(committer_, std::move(retry_now));
  if (!found) {
    co_await exchange.respond_error(ErrorKind::kNotFound, "no such notification");
    co_return;
  }
  if (on_retry_) on_retry_();
  co_await exchange.respond(202, kJson, id_json(std::string(id), false));
}

boost::asio::awaitable<void> IntakeHandler::list(http::Exchange& exchange) {
  const auto query = exchange.request().query;
  ListFilter filter;
  if (auto state = query_value(query, "state"); !state.empty()) {
    filter.state = parse_state(state);
    if (!filter.state) {
      co_await exchange.respond_error(ErrorKind::kBadRequest,
                                      "state must be pending, delivered or failed");
      co_return;
    }
  }
  filter.mchid = std::string(query_value(query, "mchid"));
  if (auto limit = query_value(query, "limit"); !limit.empty()) {
    auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), filter.limit);
    if (ec != std::errc{} || end != limit.data() + limit.size() || filter.limit == 0 ||
        filter.limit > kMaxList) {
      co_await exchange.respond_error(ErrorKind::kBadRequest, "limit must be 1 to 1000");
      co_return;
    }
  }
  std::function<std::vector<EventRecord>(Store&)> list = [filter](Store& store) {
    return store.list(filter);
  };
  auto records = co_await query_store(committer_, std::move(list));
  std::string body = "{\"notifications\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) body += ',';
    body += record_json(records[i]);
  }
  body += "]}";
  co_await exchange.respond(200, kJson, body);
}

}  // namespace paygate::notify
