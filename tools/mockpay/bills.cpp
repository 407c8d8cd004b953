#include "mockpay/bills.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <cstdio>
#include <optional>
#include <vector>

namespace paygate::mockpay {

namespace json = boost::json;

namespace {
constexpr std::string_view kHeader =
    "交易时间,公众账号ID,商户号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,微信退款单号,商户退款单号,退款金额,退款状态,商品名称,商户数据包\r\n";
constexpr std::string_view kSummaryHeader = "总交易单数,应结订单总金额,退款总金额\r\n";

struct BillRow {
  TimePoint at;
  std::string line;
};

struct BillTotals {
  std::int64_t paid = 0;
  std::int64_t refunded = 0;
};

std::string yuan(std::int64_t fen) {
  char text[48];
  std::snprintf(text, sizeof text, "%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  return text;
}

// The platform prefixes every bill value with a backquote so spreadsheets keep it as text.
std::string bill_line(std::initializer_list<std::string_view> values) {
  std::string line;
  for (std::string_view value : values) {
    if (!line.empty()) line += ',';
    line += '`';
    line += value;
  }
  return line + "\r\n";
}

BillRow payment_row(const Order& o) {
  return {o.paid_at,
          bill_line({bill_time_cst(o.paid_at), o.appid, o.mchid, o.transaction_id, o.out_trade_no,
                     o.openid, o.trade_type, "SUCCESS", o.bank_type, o.currency, yuan(o.total), "0",
                     "0", "0.00", "", o.description, o.attach})};
}

BillRow refund_row(const Refund& r, const Order& o) {
  return {r.created_at, bill_line({bill_time_cst(r.created_at), o.appid, o.mchid, o.transaction_id,
                                   o.out_trade_no, o.openid, o.trade_type, "REFUND", o.bank_type,
                                   o.currency, "0.00", r.refund_id, r.out_refund_no, yuan(r.refund),
                                   r.status, o.description, o.attach})};
}

bool on_day(TimePoint t, std::chrono::year_month_day day) { return day_cst(t) == day; }

std::string render_bill(Store& store, std::string_view scope, std::chrono::year_month_day day,
                        std::string_view bill_type) {
  std::vector<BillRow> rows;
  BillTotals totals;
  if (bill_type != "REFUND") {
    for (const Order* o : store.orders(scope)) {
      if (o->transaction_id.empty() || !on_day(o->paid_at, day)) continue;
      rows.push_back(payment_row(*o));
      totals.paid += o->total;
    }
  }
  if (bill_type != "SUCCESS") {
    for (const Refund* r : store.refunds(scope)) {
      const Order* o = store.find_order(r->mchid, r->out_trade_no);
      if (o == nullptr || !on_day(r->created_at, day)) continue;
      rows.push_back(refund_row(*r, *o));
      totals.refunded += r->refund;
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.at < b.at; });
  std::string file(kHeader);
  for (const BillRow& row : rows) file += row.line;
  file += kSummaryHeader;
  file += bill_line({std::to_string(rows.size()), yuan(totals.paid), yuan(totals.refunded)});
  return file;
}

std::string sha1_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::optional<FieldIssue> query_issue(std::string name, std::string issue,
                                      std::optional<std::string_view> value) {
  FieldIssue out{std::move(name), "query", std::move(issue), std::nullopt};
  if (value) out.value = json::value(*value);
  return out;
}

// The bill day, checked: a real day in "YYYY-MM-DD", not after today (China Standard Time).
std::optional<FieldIssue> check_bill_date(std::optional<std::string_view> text, TimePoint now) {
  if (!text) return query_issue("bill_date", "is required", std::nullopt);
  const auto day = parse_date(*text);
  if (!day) return query_issue("bill_date", "must be a date as YYYY-MM-DD", text);
  if (std::chrono::sys_days{*day} > std::chrono::sys_days{day_cst(now)}) {
    return query_issue("bill_date", "must not be after today", text);
  }
  return std::nullopt;
}

std::optional<FieldIssue> check_bill_query(const Request& request) {
  if (auto issue = check_bill_date(request.query.get("bill_date"), request.now)) return issue;
  const auto type = request.query.get("bill_type");
  if (type && *type != "ALL" && *type != "SUCCESS" && *type != "REFUND") {
    return query_issue("bill_type", "must be ALL, SUCCESS or REFUND", type);
  }
  const auto tar = request.query.get("tar_type");
  if (tar && *tar != "GZIP") return query_issue("tar_type", "must be GZIP", tar);
  return std::nullopt;
}
}  // namespace

Reply Bills::trade_bill(const Request& request) {
  if (auto issue = check_bill_query(request)) return param_error(*issue);
  const auto day = *parse_date(*request.query.get("bill_date"));
  const auto type = request.query.get("bill_type").value_or("ALL");
  std::string file = render_bill(store_, request.mchid_header, day, type);
  const std::string hash = sha1_hex(file);
  const std::string token = keep(std::move(file));
  return json_reply(200,
                    json::object{
                        {"hash_type", "SHA1"},
                        {"hash_value", hash},
                        {"download_url", public_base_url_ + "/v3/billdownload/file?token=" + token},
                    });
}

Reply Bills::download(const Request& request) {
  const auto token = request.query.get("token");
  if (!token) return param_error(*query_issue("token", "is required", std::nullopt));
  const auto it = files_.find(*token);
  if (it == files_.end()) return error_reply(404, "RESOURCE_NOT_EXISTS", "账单文件不存在");
  return Reply{200, it->second, "text/csv; charset=utf-8"};
}

std::string Bills::keep(std::string file) {
  if (tokens_oldest_first_.size() == kMaxKeptFiles) {
    files_.erase(tokens_oldest_first_.front());
    tokens_oldest_first_.pop_front();
  }
  std::string token = ids_.hex(32);
  files_.insert_or_assign(token, std::move(file));
  tokens_oldest_first_.push_back(token);
  return token;
}

}  // namespace paygate::mockpay
