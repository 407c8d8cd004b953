#pragma once
// Store: the in-memory records of mockpay (orders and refunds, per merchant). Records live as
// long as the Store, and pointers to them stay valid (map nodes never move). Not thread-safe:
// owned by MockPay, used on the server's one thread.
//
// A "scope" is the merchant a lookup is limited to; an empty scope searches every merchant
// (requests that arrive without a verified merchant id, as in demos and unit tests).

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mockpay/time_text.h"

namespace paygate::mockpay {

struct Order {
  // As created.
  std::string mchid;
  std::string appid;
  std::string out_trade_no;
  std::string trade_type;  // JSAPI | NATIVE | APP | MWEB
  std::string description;
  std::string notify_url;
  std::string attach;  // empty when not given
  std::string openid;  // the payer; made up at payment when the trade type carries none
  std::int64_t total = 0;
  std::string currency = "CNY";
  boost::json::value request;  // the create body, to tell an identical repeat from a conflict
  std::string create_reply;    // the create answer, repeated verbatim for an identical repeat
  // As it goes.
  std::string trade_state = "NOTPAY";  // NOTPAY | SUCCESS | REFUND | CLOSED
  std::string transaction_id;          // set on payment
  std::string bank_type;
  std::string success_time;
  TimePoint paid_at{};
  std::int64_t payer_total = 0;
  std::int64_t refunded = 0;
  int refund_count = 0;
};

struct Refund {
  std::string mchid;
  std::string refund_id;
  std::string out_refund_no;
  std::string transaction_id;
  std::string out_trade_no;
  std::string reason;
  std::string notify_url;  // empty when not given: the order's is used
  std::string funds_account = "AVAILABLE";
  std::string status = "SUCCESS";
  std::string create_time;
  std::string success_time;
  TimePoint created_at{};
  std::int64_t refund = 0;
  std::int64_t total = 0;
  std::int64_t payer_total = 0;
  boost::json::value request;
};

class Store {
 public:
  Order& add_order(Order order);
  Refund& add_refund(Refund refund);

  Order* find_order(std::string_view scope, std::string_view out_trade_no);
  Order* find_order_by_transaction_id(std::string_view scope, std::string_view transaction_id);
  Refund* find_refund(std::string_view scope, std::string_view out_refund_no);

  std::vector<const Order*> orders(std::string_view scope) const;
  std::vector<const Refund*> refunds(std::string_view scope) const;

  // Remembers the transaction id the order was given at payment.
  void index_transaction(const Order& order);

 private:
  struct MerchantBook {
    std::map<std::string, Order, std::less<>> orders;    // by out_trade_no
    std::map<std::string, Refund, std::less<>> refunds;  // by out_refund_no
    std::map<std::string, std::string, std::less<>> out_trade_no_by_transaction_id;
  };

  std::vector<MerchantBook*> books_in(std::string_view scope);
  std::vector<const MerchantBook*> books_in(std::string_view scope) const;

  std::map<std::string, MerchantBook, std::less<>> books_;  // by mchid
};

}  // namespace paygate::mockpay
