#include "core/header_field.h"

#include <gtest/gtest.h>

namespace paygate::core {

TEST(HeaderField, IequalsIgnoresAsciiCaseOnly) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("Content-Length", "content-lengt"));
  EXPECT_FALSE(iequals("a", "b"));
}

TEST(HeaderField, NamesCollideAsABackendReadsThem) {
  EXPECT_TRUE(field_names_collide("X-Pay-Mchid", "X-Pay-Mchid"));
  EXPECT_TRUE(field_names_collide("X_Pay_Mchid", "X-Pay-Mchid"));
  EXPECT_TRUE(field_names_collide("x-pay_MCHID", "X-Pay-Mchid"));
  EXPECT_FALSE(field_names_collide("X-Pay-Mchid2", "X-Pay-Mchid"));
  EXPECT_FALSE(field_names_collide("X-Pay-Mchi", "X-Pay-Mchid"));
  EXPECT_FALSE(field_names_collide("X.Pay.Mchid", "X-Pay-Mchid"));
}

TEST(HeaderField, NameStartsWithFoldsLikeCollide) {
  EXPECT_TRUE(field_name_starts_with("Wechatpay-Signature", "Wechatpay-"));
  EXPECT_TRUE(field_name_starts_with("WECHATPAY_serial", "Wechatpay-"));
  EXPECT_TRUE(field_name_starts_with("Wechatpay-", "Wechatpay-"));
  EXPECT_FALSE(field_name_starts_with("Wechatpay", "Wechatpay-"));
  EXPECT_FALSE(field_name_starts_with("WechatpaySignature", "Wechatpay-"));
  EXPECT_FALSE(field_name_starts_with("X-Wechatpay-Nonce", "Wechatpay-"));
}

TEST(HeaderField, ListHasTokenSplitsOnCommasAndTrims) {
  EXPECT_TRUE(list_has_token("close", "close"));
  EXPECT_TRUE(list_has_token("keep-alive, Close", "close"));
  EXPECT_TRUE(list_has_token(" x-secret ,\tupgrade", "X-Secret"));
  EXPECT_FALSE(list_has_token("closed, keep-alive", "close"));
  EXPECT_FALSE(list_has_token("", "close"));
}

}  // namespace paygate::core
