#pragma once
// Orders: the transaction resource of mockpay. Create (JSAPI, Native, App, H5), query by
// transaction_id or out_trade_no, close, and the demo-only "the user pays" step that moves an
// order from NOTPAY to SUCCESS and records a TRANSACTION.SUCCESS event.
// Borrows the Store, IdMint and event list of its MockPay; same single thread.

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "mockpay/event.h"
#include "mockpay/ids.h"
#include "mockpay/reply.h"
#include "mockpay/request.h"
#include "mockpay/store.h"

namespace paygate::mockpay {

// The four ways to place an order, by the last segment of their path.
enum class TradeKind { kJsapi, kNative, kApp, kH5 };

class Orders {
 public:
  Orders(Store& store, IdMint& ids, std::vector<Event>& events)
      : store_(store), ids_(ids), events_(events) {}

  Reply create(TradeKind kind, const Request& request);   // POST .../transactions/{kind}
  Reply query_by_transaction_id(const Request& request);  // GET .../id/{transaction_id}
  Reply query_by_out_trade_no(const Request& request);    // GET .../out-trade-no/{n}
  Reply close(const Request& request);                    // POST .../{n}/close
  Reply pay(const Request& request);                      // POST /mock/pay/{n}

 private:
  Reply create_new(TradeKind kind, Order order, const Request& request);
  Reply repeat_create(const Order& existing, const Order& wanted);
  Reply reply_with_transaction(const Order* order);
  void settle(Order& order, TimePoint now);

  Store& store_;
  IdMint& ids_;
  std::vector<Event>& events_;
};

// The Transaction object of the query API (docs/protocol.md §8).
boost::json::object transaction_json(const Order& order);

}  // namespace paygate::mockpay
