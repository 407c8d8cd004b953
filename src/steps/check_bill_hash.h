#pragma once
// CheckBillHash: the `verify: bill_hash` request step (the merchant role's bill downloads,
// GET /v3/billdownload/file). The file comes back unsigned; its integrity is the hash_value the
// platform gave with its download_url (GET /v3/bill/tradebill, /v3/bill/fundflowbill). The app
// passes that on as
//   X-Pay-Bill-Hash: <hash_type> <hash_value>      (SHA1 or SM3, hex)
// and the step has Forward relay the file through a BillHashCheck: the body streams to the app
// while its digest is computed (of the file inflated, when the platform sent it gzipped, as
// tar_type=GZIP asks: hash_value is the uncompressed file's), and its last bytes are held until
// the digest is known. A file whose digest differs is cut short, so the app's HTTP client
// reports an incomplete body, never a complete wrong file. A missing or malformed field is
// 400 PARAM_ERROR, nothing sent. Each download is counted in
// paygate_egress_bill_downloads_total{result}: ok, hash_mismatch, bad_gzip, incomplete (the
// transfer ended early), not_a_file (an error answer, passed on unchecked).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/digest.h"
#include "proxy/forwarder.h"
#include "steps/request_metrics.h"
#include "steps/step.h"

namespace paygate::steps {

class BillHashCheck final : public proxy::BodyCheck {
 public:
  BillHashCheck(crypto::DigestAlgorithm algorithm, std::string expected, RequestMetrics& metrics);
  ~BillHashCheck() override;
  BillHashCheck(const BillHashCheck&) = delete;
  BillHashCheck& operator=(const BillHashCheck&) = delete;

  bool applies_to(int status) override;
  bool update(std::string_view piece) override;
  bool finish() override;

 private:
  class Inflater;  // zlib, when the file is gzipped
  bool digest(std::string_view bytes);
  void count(std::string_view result);

  crypto::Digest digest_;
  std::string expected_;  // lowercase hex
  RequestMetrics& metrics_;
  std::string first_bytes_;  // until two have come: is it gzip?
  bool decided_ = false;
  std::unique_ptr<Inflater> inflater_;
  std::string_view counted_;  // the result once counted
};

class CheckBillHash final : public RequestStep {
 public:
  explicit CheckBillHash(RequestMetrics& metrics) : metrics_(metrics) {}

  boost::asio::awaitable<Next> on_request(http::Exchange& exchange,
                                          RequestContext& context) override;

 private:
  RequestMetrics& metrics_;
};

// The algorithm and lowercase hex of an X-Pay-Bill-Hash value, or nothing when it is not
// "<SHA1|SM3> <hex of the right length>".
struct BillHash {
  crypto::DigestAlgorithm algorithm;
  std::string hex;
};
std::optional<BillHash> parse_bill_hash(std::string_view value);

}  // namespace paygate::steps
