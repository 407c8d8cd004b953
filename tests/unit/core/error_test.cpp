#include "core/error.h"

#include <gtest/gtest.h>

namespace paygate::core {

TEST(Error, MapsKindsToWechatPayStatusAndCode) {
  EXPECT_EQ(http_status(ErrorKind::kUnauthorized), 401);
  EXPECT_EQ(wechatpay_code(ErrorKind::kUnauthorized), "SIGN_ERROR");
  EXPECT_EQ(http_status(ErrorKind::kRateLimited), 429);
  EXPECT_EQ(wechatpay_code(ErrorKind::kRateLimited), "FREQUENCY_LIMITED");
  EXPECT_EQ(http_status(ErrorKind::kBadGateway), 502);
  EXPECT_EQ(http_status(ErrorKind::kGatewayTimeout), 504);
  EXPECT_EQ(http_status(ErrorKind::kHeaderTooLarge), 431);
  EXPECT_EQ(http_status(ErrorKind::kTooEarly), 425);
  EXPECT_EQ(wechatpay_code(ErrorKind::kTooEarly), "TOO_EARLY");
  EXPECT_EQ(wechatpay_code(ErrorKind::kInternal), "SYSTEM_ERROR");
  EXPECT_EQ(http_status(ErrorKind::kNotImplemented), 501);
  EXPECT_EQ(http_status(ErrorKind::kVersionNotSupported), 505);
  EXPECT_EQ(http_status(ErrorKind::kOverloaded), 503);
  EXPECT_EQ(wechatpay_code(ErrorKind::kOverloaded), "SYSTEM_ERROR");
}

}  // namespace paygate::core
