#pragma once
// sample_event: a payment-success notification as the notify tests enqueue it (header-only; the
// caller links paygate_notify through its module). `key` is both the idempotency key and the
// order number in the resource.

#include <string>
#include <string_view>

#include "notify/event.h"

namespace paygate::test {

inline notify::NewEvent sample_event(std::string_view mchid, const std::string& key,
                                     std::string notify_url) {
  notify::NewEvent e;
  e.mchid = std::string(mchid);
  e.notify_url = std::move(notify_url);
  e.event_type = "TRANSACTION.SUCCESS";
  e.resource_type = "transaction";
  e.summary = "支付成功";
  e.resource = R"({"out_trade_no":")" + key + R"("})";
  e.idempotency_key = key;
  return e;
}

}  // namespace paygate::test
