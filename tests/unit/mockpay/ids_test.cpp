#include "mockpay/ids.h"

#include <gtest/gtest.h>

#include "mockpay/time_text.h"
#include "mockpay/validation.h"

namespace paygate::mockpay {
namespace {

using namespace std::chrono;

// 2024-05-01 23:30:05 UTC is 2024-05-02 07:30:05 in China Standard Time.
const TimePoint kLateUtc = sys_days{year{2024} / 5 / 1} + hours{23} + minutes{30} + seconds{5};

TEST(TimeText, WritesChinaStandardTime) {
  EXPECT_EQ(rfc3339_cst(kLateUtc), "2024-05-02T07:30:05+08:00");
  EXPECT_EQ(compact_cst(kLateUtc), "20240502073005");
  EXPECT_EQ(date_cst(kLateUtc), "2024-05-02");
  EXPECT_EQ(date_digits_cst(kLateUtc), "20240502");
  EXPECT_EQ(bill_time_cst(kLateUtc), "2024-05-02 07:30:05");
  EXPECT_EQ(day_cst(kLateUtc), year{2024} / 5 / 2);
}

TEST(TimeText, DropsFractionsOfASecond) {
  EXPECT_EQ(rfc3339_cst(kLateUtc + milliseconds{999}), "2024-05-02T07:30:05+08:00");
}

TEST(TimeText, ParsesOnlyRealDays) {
  EXPECT_EQ(parse_date("2024-02-29"), year{2024} / 2 / 29);
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2024-13-01"));
  EXPECT_FALSE(parse_date("2024-5-1"));
  EXPECT_FALSE(parse_date("2024/05/01"));
  EXPECT_FALSE(parse_date("2024-05-0a"));
  EXPECT_FALSE(parse_date("+024-05-01"));
  EXPECT_FALSE(parse_date(""));
}

TEST(IdMint, TransactionIdIs28DigitsStartingWith4200) {
  IdMint ids;
  const std::string id = ids.transaction_id(kLateUtc);
  EXPECT_EQ(id.size(), 28u);
  EXPECT_TRUE(id.starts_with("4200"));
  EXPECT_TRUE(is_digits(id));
  EXPECT_EQ(id.substr(10, 8), "20240502");
}

TEST(IdMint, PrepayIdIsWxTimeAndHex) {
  IdMint ids;
  const std::string id = ids.prepay_id(kLateUtc);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_TRUE(id.starts_with("wx20240502073005"));
  EXPECT_EQ(id.substr(16).find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(IdMint, RefundIdIs29DigitsStartingWith50) {
  IdMint ids;
  const std::string id = ids.refund_id(kLateUtc);
  EXPECT_EQ(id.size(), 29u);
  EXPECT_TRUE(id.starts_with("50"));
  EXPECT_TRUE(is_digits(id));
}

TEST(IdMint, IdsDiffer) {
  IdMint ids;
  EXPECT_NE(ids.transaction_id(kLateUtc), ids.transaction_id(kLateUtc));
  EXPECT_NE(ids.openid(), ids.openid());
  EXPECT_EQ(ids.openid().size(), 28u);
  EXPECT_EQ(ids.code_url_token().size(), 9u);
}

}  // namespace
}  // namespace paygate::mockpay
