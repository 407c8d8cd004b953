#include "mockpay/store.h"

namespace paygate::mockpay {

namespace {
template <typename Map>
auto* find_in(Map& map, std::string_view key) {
  const auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

// Pointers to the merchant's book, or to every book when the scope is empty. A template so the
// const and non-const callers share it.
template <typename Books>
auto select_books(Books& books, std::string_view scope) {
  std::vector<decltype(&books.begin()->second)> out;
  if (!scope.empty()) {
    if (auto* book = find_in(books, scope)) out.push_back(book);
    return out;
  }
  for (auto& entry : books) out.push_back(&entry.second);
  return out;
}
}  // namespace

Order& Store::add_order(Order order) {
  MerchantBook& book = books_[order.mchid];
  const std::string key = order.out_trade_no;
  return book.orders.insert_or_assign(key, std::move(order)).first->second;
}

Refund& Store::add_refund(Refund refund) {
  MerchantBook& book = books_[refund.mchid];
  const std::string key = refund.out_refund_no;
  return book.refunds.insert_or_assign(key, std::move(refund)).first->second;
}

void Store::index_transaction(const Order& order) {
  books_[order.mchid].out_trade_no_by_transaction_id.insert_or_assign(order.transaction_id,
                                                                      order.out_trade_no);
}

Order* Store::find_order(std::string_view scope, std::string_view out_trade_no) {
  for (MerchantBook* book : books_in(scope)) {
    if (Order* order = find_in(book->orders, out_trade_no)) return order;
  }
  return nullptr;
}

Order* Store::find_order_by_transaction_id(std::string_view scope,
                                           std::string_view transaction_id) {
  for (MerchantBook* book : books_in(scope)) {
    if (const std::string* key = find_in(book->out_trade_no_by_transaction_id, transaction_id)) {
      return find_in(book->orders, *key);
    }
  }
  return nullptr;
}

Refund* Store::find_refund(std::string_view scope, std::string_view out_refund_no) {
  for (MerchantBook* book : books_in(scope)) {
    if (Refund* refund = find_in(book->refunds, out_refund_no)) return refund;
  }
  return nullptr;
}

std::vector<const Order*> Store::orders(std::string_view scope) const {
  std::vector<const Order*> out;
  for (const MerchantBook* book : books_in(scope)) {
    for (const auto& [key, order] : book->orders) out.push_back(&order);
  }
  return out;
}

std::vector<const Refund*> Store::refunds(std::string_view scope) const {
  std::vector<const Refund*> out;
  for (const MerchantBook* book : books_in(scope)) {
    for (const auto& [key, refund] : book->refunds) out.push_back(&refund);
  }
  return out;
}

std::vector<Store::MerchantBook*> Store::books_in(std::string_view scope) {
  return select_books(books_, scope);
}

std::vector<const Store::MerchantBook*> Store::books_in(std::string_view scope) const {
  return select_books(books_, scope);
}

}  // namespace paygate::mockpay
