#include "steps/shadow_traffic.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <optional>
#include <utility>

#include "core/header_field.h"
#include "http/head_scan.h"
#include "http/parser.h"
#include "http/wire.h"
#include "wechatpay/sensitive_fields.h"

namespace paygate::steps {

namespace asio = boost::asio;
using http::Clock;

namespace {
constexpr std::size_t kArenaBytes = 64 * 1024;
// Buffers that grew past this for one large copy are given back when it is settled.
constexpr std::size_t kKeptCapacity = 256 * 1024;
constexpr auto kLogInterval = std::chrono::seconds(1);
// The copy's head is the client's, which the listener's limits held already.
constexpr http::HeadScanLimits kCopyHeadLimits{64 * 1024, 256 * 1024, 1024};

// Framing is the forwarder's to write; Host is written from the request's authority.
bool copied_field(std::string_view name) {
  return !core::iequals(name, "Content-Length") && !core::iequals(name, "Transfer-Encoding") &&
         !core::iequals(name, "Host");
}

void keep_capacity_bounded(std::string& buffer) {
  if (buffer.capacity() > kKeptCapacity) std::string().swap(buffer);
}
}  // namespace

std::string_view to_string(ShadowResult result) {
  switch (result) {
    case ShadowResult::kMatch:
      return "match";
    case ShadowResult::kMismatch:
      return "mismatch";
    case ShadowResult::kError:
      return "error";
    case ShadowResult::kDropped:
      return "dropped";
  }
  return "?";
}

// One answer as it will be compared: whether there is one to compare, its status and fields.
struct ShadowAnswer {
  bool in = false;        // recorded (the shadow finished, or the primary answered or left)
  bool upstream = false;  // an upstream's answer, not a failure or the gateway's own
  int status = 0;
  std::array<std::string, kComparedFields.size()> fields;

  void record(bool from_upstream, const http::ResponseHead& head) {
    in = true;
    upstream = from_upstream;
    status = head.status;
    for (std::size_t i = 0; i < kComparedFields.size(); ++i) {
      fields[i].assign(from_upstream ? head.fields.find(kComparedFields[i]) : std::string_view{});
    }
  }
};

// One copy: the request as copied, the shadow exchange over it, the two answers. Its exchange
// host is the copy itself: writes go nowhere (fetch() writes nothing) and its deadline is kept
// by ShadowTraffic's watchdog entry.
struct ShadowCopy final : http::ExchangeHost {
  asio::awaitable<bool> write(std::string_view) override { co_return true; }
  bool keep_alive() const override { return true; }
  void set_handler_deadline(Clock::duration d) override {
    expired = closed;  // once the worker has closed the copies, every later wait is over
    deadline = http::coarse_now() + d;
  }
  bool handler_deadline_passed() const override { return expired; }
  void watch_upstream(asio::ip::tcp::socket* socket) override { upstream = socket; }
  void watch_upstream_wait(http::UpstreamWait* wait) override {
    upstream_wait = wait;
    if (wait != nullptr && closed) wait->cancel_wait();
  }

  void expire() {
    expired = true;
    if (upstream_wait != nullptr) upstream_wait->cancel_wait();
    if (upstream == nullptr) return;
    boost::system::error_code ignored;
    upstream->cancel(ignored);
  }

  // Writes the client's request again as a head of its own, with the normalised path, and
  // parses it into `head` (the views a Forwarder reads). False if it does not parse.
  bool copy_request(const http::Exchange& ex) {
    const http::RequestHead& req = ex.request();
    head_bytes.clear();
    head_bytes.append(req.method_text).push_back(' ');
    head_bytes.append(req.path).append(req.target.substr(req.raw_path.size()));
    head_bytes.append(req.version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    if (!req.host.empty()) http::append_field(head_bytes, "Host", req.host);
    for (const core::HeaderField& field : req.fields.all()) {
      if (copied_field(field.name)) http::append_field(head_bytes, field.name, field.value);
    }
    http::end_head(head_bytes);
    const http::HeadScan scan =
        http::scan_head(head_bytes, kCopyHeadLimits, http::StartLine::kRequest);
    if (scan.verdict != http::HeadVerdict::kComplete) return false;
    http::RequestParser parser(head, parse_sink, 0);
    boost::beast::error_code ec;
    parser.feed(std::string_view(head_bytes).substr(0, scan.size), ec);
    if ((ec && ec != boost::beast::http::error::need_more) || !parser.is_header_done()) {
      return false;
    }
    body.assign(ex.body());
    peer = ex.client();
    peer_address.assign(ex.client_address());
    return true;
  }

  void reset() {
    exchange.reset();
    settings.reset();
    route = nullptr;
    primary = {};
    shadow = {};
    deadline = Clock::time_point::max();
    upstream = nullptr;
    upstream_wait = nullptr;
    expired = closed = sending = false;
    ++generation;
    for (std::string* buffer : {&body, &primary_body, &scratch.body, &scratch.request_head}) {
      keep_capacity_bounded(*buffer);
    }
    out.clear();
  }

  std::uint64_t generation = 0;
  asio::any_io_executor executor;  // the worker's: where the copy is sent and settled
  std::string head_bytes;
  std::string parse_sink;  // the parser's body target: the body is copied, not parsed
  http::RequestHead head;
  std::string body;
  asio::ip::tcp::endpoint peer;
  std::string peer_address;
  std::string out;
  http::ExchangeScratch scratch;  // the shadow's answer: its head and body
  std::optional<http::Exchange> exchange;
  std::string mchid;
  std::shared_ptr<const MirrorSettings> settings;
  proxy::ForwardTarget target;
  ShadowRoute* route = nullptr;
  ShadowAnswer primary;
  std::string primary_body;
  ShadowAnswer shadow;  // its body is scratch.body
  Clock::time_point deadline = Clock::time_point::max();
  asio::ip::tcp::socket* upstream = nullptr;
  http::UpstreamWait* upstream_wait = nullptr;
  bool expired = false;
  bool closed = false;
  bool sending = false;
};

ShadowTicket::ShadowTicket(ShadowTicket&& other) noexcept
    : traffic_(std::exchange(other.traffic_, nullptr)),
      copy_(std::exchange(other.copy_, nullptr)),
      generation_(other.generation_) {}

ShadowTicket& ShadowTicket::operator=(ShadowTicket&& other) noexcept {
  if (this != &other) {
    if (copy_ != nullptr) traffic_->primary_gone(*copy_, generation_);
    traffic_ = std::exchange(other.traffic_, nullptr);
    copy_ = std::exchange(other.copy_, nullptr);
    generation_ = other.generation_;
  }
  return *this;
}

ShadowTicket::~ShadowTicket() {
  if (copy_ != nullptr) traffic_->primary_gone(*copy_, generation_);
}

ShadowTraffic::ShadowTraffic(proxy::Forwarder& forwarder, http::Watchdog& watchdog,
                             observe::Shard& shard, observe::CounterFamily results)
    : forwarder_(forwarder),
      watchdog_(watchdog),
      shard_(shard),
      results_(results),
      arena_(kArenaBytes) {}

ShadowTraffic::~ShadowTraffic() {
  if (sending_ > 0) watchdog_.remove(*this);
}

ShadowRoute& ShadowTraffic::route(const std::string& name) {
  auto& route = routes_[name];
  if (route) return *route;
  route = std::make_unique<ShadowRoute>();
  route->name = name;
  for (std::size_t i = 0; i < kShadowResultCount; ++i) {
    route->results[i] = shard_.counter(results_, {name, to_string(static_cast<ShadowResult>(i))});
  }
  return *route;
}

void ShadowTraffic::count(ShadowRoute& route, ShadowResult result) {
  route.results[static_cast<std::size_t>(result)]->inc();
}

ShadowCopy& ShadowTraffic::take_slot() {
  if (free_.empty()) {
    slots_.push_back(std::make_unique<ShadowCopy>());
    free_.push_back(slots_.back().get());
  }
  ShadowCopy* copy = free_.back();
  free_.pop_back();
  return *copy;
}

void ShadowTraffic::release(ShadowCopy& copy) {
  --copy.route->in_flight;
  --in_flight_;
  copy.reset();
  free_.push_back(&copy);
}

ShadowTicket ShadowTraffic::send_copy(const http::Exchange& ex, std::string_view verified_mchid,
                                      const ShadowTarget& target,
                                      const asio::any_io_executor& executor) {
  ShadowRoute& route = *target.route;
  if (closed_ || route.in_flight >= target.settings->max_in_flight ||
      ex.body().size() > kMaxBodyBytes) {
    count(route, ShadowResult::kDropped);
    return {};
  }
  ShadowCopy& copy = take_slot();
  copy.route = &route;
  ++route.in_flight;
  ++in_flight_;
  if (!copy.copy_request(ex)) {  // the client's head parsed once; kept for safety's sake
    count(route, ShadowResult::kError);
    release(copy);
    return {};
  }
  // A shadow's upstream is not an app: it is known by no certificate.
  copy.exchange.emplace(copy,
                        http::ExchangeViews{copy.head, copy.body, copy.peer, copy.peer_address,
                                            tls::ClientNames::none(), copy.out, copy.scratch});
  copy.exchange->adopt_identity(ex);
  copy.settings = target.settings;
  copy.target = target.forward;
  copy.mchid.assign(verified_mchid);
  copy.executor = executor;
  return ShadowTicket(this, &copy, copy.generation);
}

// The copy leaves once the primary's answer is in: its work (sending, reading, comparing) then
// never comes between the primary and its client. co_spawn posts the start, so the primary's
// answer is written before the copy's first byte.
void ShadowTraffic::launch(ShadowCopy& copy) {
  if (closed_) {  // the worker is stopping: nothing more goes out
    count(*copy.route, ShadowResult::kDropped);
    release(copy);
    return;
  }
  asio::co_spawn(copy.executor, send(copy), asio::detached);
}

asio::awaitable<void> ShadowTraffic::send(ShadowCopy& copy) {
  copy.sending = true;
  if (sending_++ == 0) start_watching();
  const proxy::Outcome outcome = co_await forwarder_.fetch(*copy.exchange, copy.target, copy.mchid);
  copy.sending = false;
  if (--sending_ == 0) stop_watching();
  copy.out.clear();  // the head fetch() left open for a client there is not
  copy.shadow.record(outcome == proxy::Outcome::kOk, copy.scratch.response_head);
  if (copy.primary.in) settle(copy);
}

ShadowCopy* ShadowTraffic::held(const ShadowTicket& ticket) const {
  ShadowCopy* copy = ticket.copy_;
  return copy != nullptr && copy->generation == ticket.generation_ && !copy->primary.in ? copy
                                                                                        : nullptr;
}

void ShadowTraffic::record_primary(const ShadowTicket& ticket, const http::Exchange& ex, int status,
                                   std::string_view body) {
  ShadowCopy* copy = held(ticket);
  if (copy == nullptr) return;
  // An upstream's answer fetched whole has its status on the exchange before the response steps
  // run (proxy::Forwarder::fetch); the gateway's own answers get theirs as they are written,
  // after the response steps.
  copy->primary.record(ex.responded(), ex.scratch().response_head);
  copy->primary.status = status;
  copy->primary_body.assign(body);
  launch(*copy);
}

void ShadowTraffic::primary_gone(ShadowCopy& copy, std::uint64_t generation) {
  if (copy.generation != generation || copy.primary.in) return;
  copy.primary.in = true;  // with nothing to compare
  launch(copy);
}

ShadowResult ShadowTraffic::judge(const ShadowCopy& copy) {
  if (!copy.primary.upstream || !copy.shadow.upstream) return ShadowResult::kError;
  // The arena starts afresh for each comparison; its values are gone when it returns.
  boost::json::monotonic_resource arena(arena_.data(), arena_.size());
  json_.storage = boost::json::storage_ptr(&arena);
  const ComparedAnswer primary{copy.primary.status, copy.primary.fields, copy.primary_body};
  const ComparedAnswer shadow{copy.shadow.status, copy.shadow.fields, copy.scratch.body};
  const bool same = same_answer(primary, shadow, copy.settings->ignore, json_);
  json_.parser.reset();  // lets go of the arena before it ends
  json_.storage = {};
  return same ? ShadowResult::kMatch : ShadowResult::kMismatch;
}

void ShadowTraffic::settle(ShadowCopy& copy) {
  const ShadowResult result = judge(copy);
  count(*copy.route, result);
  if (result == ShadowResult::kMismatch) log_mismatch(copy);
  release(copy);
}

// Sampled: a shadow that differs on every answer must not flood the log.
void ShadowTraffic::log_mismatch(const ShadowCopy& copy) {
  const Clock::time_point now = http::coarse_now();
  if (now - last_logged_ < kLogInterval) return;
  last_logged_ = now;
  spdlog::warn("shadow mismatch on route {}: {} {} (request {}): primary {} {} {}; shadow {} {} {}",
               copy.route->name, copy.head.method_text, copy.head.path, copy.exchange->request_id(),
               copy.primary.status, copy.primary.fields[0],
               wechatpay::redacted_body(copy.primary_body, kLoggedBodyBytes), copy.shadow.status,
               copy.shadow.fields[0],
               wechatpay::redacted_body(copy.scratch.body, kLoggedBodyBytes));
}

void ShadowTraffic::start_watching() {
  // Every tick while copies are being sent: on_deadline() looks at each one's own deadline.
  expire_at(Clock::time_point::min());
  watchdog_.add(*this);
}

void ShadowTraffic::stop_watching() { watchdog_.remove(*this); }

void ShadowTraffic::on_deadline() {
  const Clock::time_point now = Clock::now();
  for (const auto& copy : slots_) {
    if (copy->sending && copy->deadline <= now && !copy->expired) copy->expire();
  }
}

void ShadowTraffic::on_close() {
  closed_ = true;
  for (const auto& copy : slots_) {
    if (!copy->sending) continue;
    copy->closed = true;
    copy->expire();
  }
}

}  // namespace paygate::steps
