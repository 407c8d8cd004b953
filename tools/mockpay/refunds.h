#pragma once
// Refunds: the domestic refund resource of mockpay. A refund succeeds at once (status SUCCESS),
// adds to its order's refunded amount (the order's trade_state becomes REFUND when all of it is
// refunded) and records a REFUND.SUCCESS event. Query by out_refund_no.
// Borrows the Store, IdMint and event list of its MockPay; same single thread.

#include <boost/json/object.hpp>
#include <vector>

#include "mockpay/event.h"
#include "mockpay/ids.h"
#include "mockpay/reply.h"
#include "mockpay/request.h"
#include "mockpay/store.h"

namespace paygate::mockpay {

class Refunds {
 public:
  // The platform allows at most this many refunds of one order.
  static constexpr int kMaxRefundsPerOrder = 50;

  Refunds(Store& store, IdMint& ids, std::vector<Event>& events)
      : store_(store), ids_(ids), events_(events) {}

  Reply create(const Request& request);  // POST /v3/refund/domestic/refunds
  Reply query(const Request& request);   // GET /v3/refund/domestic/refunds/{out_refund_no}

 private:
  Reply apply(Order& order, Refund refund, TimePoint now);

  Store& store_;
  IdMint& ids_;
  std::vector<Event>& events_;
};

// The Refund object of the refund APIs (docs/protocol.md §8).
boost::json::object refund_json(const Refund& refund);

}  // namespace paygate::mockpay
