#pragma once
// Bills: the trade bill resource of mockpay. GET /v3/bill/tradebill renders the day's bill
// (payments and refunds of that China Standard Time day, as CSV in the platform's style), keeps
// it under a random token and answers its SHA1 and download_url; GET /v3/billdownload/file
// serves the kept file. The last kMaxKeptFiles files are kept.
// Borrows the Store and IdMint of its MockPay; same single thread.

#include <cstddef>
#include <deque>
#include <map>
#include <string>

#include "mockpay/ids.h"
#include "mockpay/reply.h"
#include "mockpay/request.h"
#include "mockpay/store.h"

namespace paygate::mockpay {

class Bills {
 public:
  static constexpr std::size_t kMaxKeptFiles = 256;

  // `public_base_url` prefixes download_url ("https://api.mch.weixin.qq.com").
  Bills(Store& store, IdMint& ids, std::string public_base_url)
      : store_(store), ids_(ids), public_base_url_(std::move(public_base_url)) {}

  Reply trade_bill(const Request& request);  // GET /v3/bill/tradebill?bill_date=&bill_type=
  Reply download(const Request& request);    // GET /v3/billdownload/file?token=

 private:
  std::string keep(std::string file);  // returns the file's token

  Store& store_;
  IdMint& ids_;
  std::string public_base_url_;
  std::map<std::string, std::string, std::less<>> files_;  // by token
  std::deque<std::string> tokens_oldest_first_;
};

}  // namespace paygate::mockpay
