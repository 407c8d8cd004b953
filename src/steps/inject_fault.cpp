#include "steps/inject_fault.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/fast_random.h"
#include "http/error_response.h"
#include "steps/pipeline.h"

namespace paygate::steps {

namespace {

// The access log's "fault".
constexpr std::string_view kDelayed = "delay";
constexpr std::string_view kAborted = "abort";
constexpr std::string_view kDelayedAndAborted = "delay+abort";

// Values of the trigger header.
constexpr std::string_view kTriggerDelay = "delay";
constexpr std::string_view kTriggerAbort = "abort";
constexpr std::string_view kTriggerAll = "all";

// The WeChat Pay code of the kind whose status is `status` (503 SERVICE_UNAVAILABLE), else
// SYSTEM_ERROR, as for any failure of the platform.
std::string_view code_of_status(int status) {
  for (int k = 0; k <= static_cast<int>(core::ErrorKind::kVersionNotSupported); ++k) {  // all
    const auto kind = static_cast<core::ErrorKind>(k);
    if (core::http_status(kind) == status) return core::wechatpay_code(kind);
  }
  return core::wechatpay_code(core::ErrorKind::kInternal);
}

bool draw(std::uint32_t per_million) {
  return core::fast_random() % FaultInjection::kMillion < per_million;
}

std::array<std::uint8_t, 16> bytes_of(const boost::asio::ip::address& address) {
  if (address.is_v6()) return address.to_v6().to_bytes();
  return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
}

bool in_block(const std::array<std::uint8_t, 16>& address, const AddressBlock& block) {
  const unsigned whole = block.prefix / 8;
  if (!std::equal(address.begin(), address.begin() + whole, block.bytes.begin())) return false;
  const unsigned rest = block.prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address[whole] & mask) == block.bytes[whole];
}

}  // namespace

bool in_blocks(const boost::asio::ip::address& address, const std::vector<AddressBlock>& blocks) {
  const auto bytes = bytes_of(address);
  return std::any_of(blocks.begin(), blocks.end(),
                     [&](const AddressBlock& block) { return in_block(bytes, block); });
}

InjectFault::InjectFault(const FaultInjection& settings, http::Clock::duration timeout,
                         Counters counters)
    : settings_(settings), counters_(counters) {
  if (settings_.delay) delay_ = std::min<http::Clock::duration>(settings_.delay->duration, timeout);
  if (settings_.abort) {
    http::append_error_body(abort_body_, code_of_status(settings_.abort->status),
                            "fault injected for a drill");
  }
}

InjectFault::Armed InjectFault::armed(const http::Exchange& ex) const {
  if (settings_.header.empty()) return {true, true};
  const std::string_view trigger = ex.request().fields.find(settings_.header);
  if (trigger.empty() || !in_blocks(ex.client().address(), settings_.trusted_sources)) return {};
  return {trigger == kTriggerDelay || trigger == kTriggerAll,
          trigger == kTriggerAbort || trigger == kTriggerAll};
}

boost::asio::awaitable<Next> InjectFault::on_request(http::Exchange& ex, RequestContext& context) {
  const Armed faults = armed(ex);
  const bool delayed = faults.delay && settings_.delay && draw(settings_.delay->per_million);
  const bool aborted = faults.abort && settings_.abort && draw(settings_.abort->per_million);
  if (!delayed && !aborted) co_return Next::kContinue;
  context.fault = delayed ? (aborted ? kDelayedAndAborted : kDelayed) : kAborted;
  if (delayed) {
    counters_.delay->inc();
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay_);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  if (!aborted) co_return Next::kContinue;
  counters_.abort->inc();
  co_await answer(ex, context, settings_.abort->status, "application/json", abort_body_);
  co_return Next::kAnswered;
}

}  // namespace paygate::steps
