#include "mockpay/bills.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "mockpay_fixture.h"

namespace paygate::mockpay {
namespace {

namespace json = boost::json;

class BillsTest : public MockPayTest {
 protected:
  Reply bill(std::string_view query) { return get("/v3/bill/tradebill?" + std::string(query)); }
  // The file behind a tradebill reply's download_url.
  Reply download(const Reply& bill_reply) {
    const std::string url(json(bill_reply).at("download_url").as_string());
    const std::string prefix = "https://mock.test";
    EXPECT_TRUE(url.starts_with(prefix + "/v3/billdownload/file?token=")) << url;
    return get(url.substr(prefix.size()));
  }
  static std::string sha1_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha1(), nullptr);
    std::string out;
    char byte[3];
    for (unsigned int i = 0; i < size; ++i) {
      std::snprintf(byte, sizeof byte, "%02x", digest[i]);
      out += byte;
    }
    return out;
  }
  static bool has(const std::string& file, std::string_view text) {
    return file.find(text) != std::string::npos;
  }
};

TEST_F(BillsTest, TradeBillListsTheDaysPaymentsAndRefunds) {
  paid_order("BILL_1", 150);
  paid_order("BILL_2", 200);
  create_order("BILL_UNPAID");
  post(
      "/v3/refund/domestic/refunds",
      R"({"out_trade_no":"BILL_2","out_refund_no":"BILL_R1","amount":{"refund":50,"total":200,"currency":"CNY"}})");
  const Reply reply = bill("bill_date=2024-05-01&bill_type=ALL");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply).at("hash_type"), "SHA1");
  const Reply file = download(reply);
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(json(reply).at("hash_value"), json::value(sha1_hex(file.body)));
  EXPECT_TRUE(file.content_type.starts_with("text/csv"));
  EXPECT_TRUE(file.body.starts_with("交易时间,"));
  EXPECT_TRUE(has(file.body, "`BILL_1,"));
  EXPECT_TRUE(has(file.body, "`1.50,"));
  EXPECT_TRUE(has(file.body, "`BILL_R1,`0.50,"));
  EXPECT_FALSE(has(file.body, "BILL_UNPAID"));
  EXPECT_TRUE(has(file.body, "`3,`3.50,`0.50\r\n"));  // summary: rows, paid, refunded
}

TEST_F(BillsTest, BillTypeSelectsRows) {
  paid_order("BILL_1", 100);
  post(
      "/v3/refund/domestic/refunds",
      R"({"out_trade_no":"BILL_1","out_refund_no":"BILL_R1","amount":{"refund":100,"total":100,"currency":"CNY"}})");
  const Reply success = download(bill("bill_date=2024-05-01&bill_type=SUCCESS"));
  EXPECT_TRUE(has(success.body, "`BILL_1,"));
  EXPECT_FALSE(has(success.body, "BILL_R1"));
  const Reply refund = download(bill("bill_date=2024-05-01&bill_type=REFUND&tar_type=GZIP"));
  EXPECT_TRUE(has(refund.body, "BILL_R1"));
  EXPECT_TRUE(has(refund.body, "`1,`0.00,`1.00\r\n"));
}

TEST_F(BillsTest, AnotherDayHasNoRows) {
  paid_order("BILL_1");
  const Reply file = download(bill("bill_date=2024-04-30"));
  EXPECT_FALSE(has(file.body, "BILL_1"));
  EXPECT_TRUE(has(file.body, "`0,`0.00,`0.00\r\n"));
}

TEST_F(BillsTest, OnlyTheVerifiedMerchantsRows) {
  paid_order("BILL_1");
  const Reply other = get("/v3/bill/tradebill?bill_date=2024-05-01", "1900000002");
  EXPECT_FALSE(has(download(other).body, "BILL_1"));
}

TEST_F(BillsTest, QueryValidation) {
  struct Case {
    std::string_view query;
    std::string_view field;
  };
  for (const Case& c : {Case{"", "bill_date"}, Case{"bill_date=2024-5-1", "bill_date"},
                        Case{"bill_date=2024-02-30", "bill_date"},
                        Case{"bill_date=2024-05-02", "bill_date"},  // tomorrow
                        Case{"bill_date=2024-05-01&bill_type=BOTH", "bill_type"},
                        Case{"bill_date=2024-05-01&tar_type=ZIP", "tar_type"}}) {
    const Reply reply = bill(c.query);
    EXPECT_TRUE(is_error(reply, 400, "PARAM_ERROR")) << c.query;
    EXPECT_EQ(field_of(reply), c.field) << c.query;
    EXPECT_EQ(json(reply).at("detail").at("location"), "query");
  }
}

TEST_F(BillsTest, UnknownDownloadToken) {
  EXPECT_TRUE(is_error(get("/v3/billdownload/file?token=nope"), 404, "RESOURCE_NOT_EXISTS"));
  EXPECT_TRUE(is_error(get("/v3/billdownload/file"), 400, "PARAM_ERROR"));
}

TEST_F(BillsTest, KeepsOnlyTheLatestFiles) {
  const Reply first = bill("bill_date=2024-05-01");
  for (std::size_t i = 0; i < Bills::kMaxKeptFiles; ++i) bill("bill_date=2024-05-01");
  EXPECT_EQ(download(first).status, 404);
}

}  // namespace
}  // namespace paygate::mockpay
