#pragma once
// MockPay: the business services of a WeChat Pay platform, for demos and integration tests, with
// no transport. The server feeds it each request already read (method, raw target, body and the
// merchant id the gateway verified) and writes back the Reply; payment events it would notify
// are recorded and drained with take_events(). Orders, refunds and bills live in memory.
//
// Paths (docs/protocol.md §8), answered like the platform, errors included (section 5):
//   POST /v3/pay/transactions/{jsapi|native|app|h5}
//   GET  /v3/pay/transactions/id/{transaction_id}?mchid=
//   GET  /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=
//   POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close          -> 204
//   POST /v3/refund/domestic/refunds
//   GET  /v3/refund/domestic/refunds/{out_refund_no}
//   GET  /v3/bill/tradebill?bill_date=&bill_type=&tar_type=
//   GET  /v3/billdownload/file?token=                                    (bill CSV, text)
// Demo controls:
//   POST /mock/pay/{out_trade_no}[?mchid=]   the user pays: NOTPAY -> SUCCESS, Transaction JSON
//   GET  /mock/health                        {"status":"UP"}
//
// One per process. Not thread-safe: call it from one thread (the server's).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mockpay/bills.h"
#include "mockpay/event.h"
#include "mockpay/ids.h"
#include "mockpay/orders.h"
#include "mockpay/path_match.h"
#include "mockpay/refunds.h"
#include "mockpay/reply.h"
#include "mockpay/request.h"
#include "mockpay/store.h"
#include "mockpay/time_text.h"

namespace paygate::mockpay {

struct MockPayOptions {
  std::function<TimePoint()> now = [] { return std::chrono::system_clock::now(); };
  std::string public_base_url = "https://api.mch.weixin.qq.com";  // prefix of bill download_url
};

class MockPay {
 public:
  explicit MockPay(MockPayOptions options = {});
  MockPay(const MockPay&) = delete;  // the route table points into this object
  MockPay& operator=(const MockPay&) = delete;

  // `target` is the raw "path?query"; `mchid_header` is the verified merchant (X-Pay-Mchid),
  // empty when there is none. Never throws: untrusted input gives a 4xx Reply.
  Reply handle(std::string_view method, std::string_view target, std::string_view body,
               std::string_view mchid_header);

  // The events recorded since the last call, oldest first.
  std::vector<Event> take_events();

 private:
  using Handler = std::function<Reply(const Request&)>;
  struct Route {
    std::string_view method;
    PathPattern pattern;
    Handler handler;
  };

  std::vector<Route> make_routes();
  Reply dispatch(std::string_view method, std::string_view target, std::string_view body,
                 std::string_view mchid_header);

  MockPayOptions options_;
  Store store_;
  IdMint ids_;
  std::vector<Event> events_;
  Orders orders_;
  Refunds refunds_;
  Bills bills_;
  std::vector<Route> routes_;
};

}  // namespace paygate::mockpay
