#include "http/host_field.h"

#include <gtest/gtest.h>

namespace paygate::http {
namespace {

TEST(HostField, AcceptsRegNamesAddressesAndPorts) {
  for (std::string_view host :
       {"pay.example", "PAY.example.", "api-1.pay_x~y", "127.0.0.1", "pay.example:1",
        "pay.example:65535", "[::1]", "[2001:db8::7]:443", "[::ffff:192.0.2.1]", ""}) {
    EXPECT_TRUE(is_valid_host(host)) << host;
  }
}

TEST(HostField, RefusesWhatAnotherReaderCouldReadDifferently) {
  for (std::string_view host :
       {"pay example", "pay.example ", "\tpay.example", "pay\x7f.example", "user@pay.example",
        "user:pw@pay.example", "%70ay.example", "pay.example/x", "pay.example?x", "pay\\x"}) {
    EXPECT_FALSE(is_valid_host(host)) << host;
  }
}

TEST(HostField, APortIsOneTo65535InDigits) {
  for (std::string_view host :
       {"pay.example:", "pay.example:0", "pay.example:65536", "pay.example:123456",
        "pay.example:+80", "pay.example:8 0", "pay.example:80:80", ":80", "[::1]:", "[::1]x"}) {
    EXPECT_FALSE(is_valid_host(host)) << host;
  }
}

TEST(HostField, AnIpLiteralIsAnIpv6AddressInBrackets) {
  for (std::string_view host :
       {"[::1", "::1", "[]", "[pay.example]", "[fe80::1%25eth0]", "[v1.fe80::1]", "[1:2:3]"}) {
    EXPECT_FALSE(is_valid_host(host)) << host;
  }
}

}  // namespace
}  // namespace paygate::http
