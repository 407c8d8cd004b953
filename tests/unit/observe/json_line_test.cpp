#include "observe/json_line.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace paygate::observe {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

std::string json_string(std::string_view text) {
  fmt::memory_buffer out;
  append_json_string(out, text);
  return fmt::to_string(out);
}

// Parses the JSON string literal back; Boost.JSON rejects invalid escapes and invalid UTF-8.
std::string parse_back(std::string_view text) {
  return std::string(boost::json::parse(json_string(text)).as_string());
}

AccessRecord sample_record() {
  AccessRecord r;
  r.time = system_clock::time_point(1714550400123ms);  // 2024-05-01T08:00:00.123Z
  r.request_id = "0123456789abcdef0123456789abcdef";
  r.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  r.method = "POST";
  r.path = "/v3/pay/transactions/jsapi";
  r.route = "orders";
  r.upstream = "10.0.0.7:8080";
  r.protocol = "h2";
  r.status = 200;
  r.bytes_in = 312;
  r.bytes_out = 95;
  r.duration = 1834us;
  return r;
}

TEST(JsonLine, FormatsEveryFieldInOrder) {
  fmt::memory_buffer out;
  format_access_line(out, sample_record());
  EXPECT_EQ(fmt::to_string(out),
            R"({"time":"2024-05-01T08:00:00.123Z","request_id":"0123456789abcdef0123456789abcdef",)"
            R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
            R"("method":"POST","path":"/v3/pay/transactions/jsapi","route":"orders",)"
            R"("upstream":"10.0.0.7:8080","protocol":"h2","status":200,"bytes_in":312,)"
            R"("bytes_out":95,)"
            R"("duration_us":1834})");
}

TEST(JsonLine, ARefusalEndsTheLineWithItsReason) {
  AccessRecord r = sample_record();
  r.status = 401;
  r.reason = "unknown_merchant";
  fmt::memory_buffer out;
  format_access_line(out, r);
  EXPECT_TRUE(fmt::to_string(out).ends_with(R"("duration_us":1834,"reason":"unknown_merchant"})"))
      << fmt::to_string(out);
  EXPECT_EQ(boost::json::parse(fmt::to_string(out)).as_object().at("reason"), "unknown_merchant");
}

TEST(JsonLine, AnEarlyRequestSaysSoAtTheEnd) {
  AccessRecord r = sample_record();
  r.status = 425;
  r.reason = "too_early";
  r.early = true;
  fmt::memory_buffer out;
  format_access_line(out, r);
  EXPECT_TRUE(fmt::to_string(out).ends_with(R"("reason":"too_early","early":true})"))
      << fmt::to_string(out);
  EXPECT_EQ(boost::json::parse(fmt::to_string(out)).as_object().at("early"), true);
}

TEST(JsonLine, AMerchantRoleRequestNamesItsAppAndItsTries) {
  AccessRecord r = sample_record();
  r.app = "checkout";
  r.tries = 3;
  fmt::memory_buffer out;
  format_access_line(out, r);
  EXPECT_TRUE(fmt::to_string(out).ends_with(R"("duration_us":1834,"app":"checkout","tries":3})"))
      << fmt::to_string(out);
  r.tries = 1;  // one try is the rule: not written
  out.clear();
  format_access_line(out, r);
  EXPECT_TRUE(fmt::to_string(out).ends_with(R"("app":"checkout"})")) << fmt::to_string(out);
}

TEST(JsonLine, EmptyFieldsAreEmptyStrings) {
  fmt::memory_buffer out;
  AccessRecord r;
  format_access_line(out, r);
  const auto parsed = boost::json::parse(fmt::to_string(out)).as_object();
  EXPECT_EQ(parsed.at("time").as_string(), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(parsed.at("upstream").as_string(), "");
  EXPECT_EQ(parsed.at("status").as_int64(), 0);
  EXPECT_FALSE(parsed.contains("reason"));  // only refusals have one
  EXPECT_FALSE(parsed.contains("early"));   // only early requests
}

TEST(JsonLine, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_string(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(json_string(std::string_view("\0\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
}

TEST(JsonLine, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_string("中文 ünï €"), "\"中文 ünï €\"");
  EXPECT_EQ(json_string("\xF0\x9F\x92\xB3"), "\"\xF0\x9F\x92\xB3\"");  // U+1F4B3
  EXPECT_EQ(json_string("a\xFF"
                        "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(json_string("\xC0\xAF"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(json_string("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");            // a surrogate
  EXPECT_EQ(json_string("\xE4\xB8"), R"("\ufffd\ufffd")");                      // cut short
  EXPECT_EQ(json_string("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST(JsonLine, NastyValidStringsRoundTrip) {
  const std::string nasty[] = {
      "",
      "\"",
      "\\",
      "\\\"",
      "</script>",
      "\u2028\u2029",
      std::string("\0x", 2),
      "\"},{\"status\":500",
      "%00%0d%0a",
      std::string(300, '\\'),
      "\x7f\x1b[31m",
  };
  for (const auto& text : nasty) {
    std::string back;
    ASSERT_NO_THROW(back = parse_back(text)) << json_string(text);
    EXPECT_EQ(back, text);
  }
}

TEST(JsonLine, InvalidUtf8StillParses) {
  for (std::string_view text :
       {"a\xC3", "\xE2\x82", "\x80\x80", "\xFE\xFF", "ok\xF8\x88\x80\x80\x80"}) {
    EXPECT_NO_THROW(parse_back(text)) << json_string(text);
  }
}

TEST(JsonLine, FormatsTimesAsRfc3339UtcWithMilliseconds) {
  fmt::memory_buffer out;
  append_rfc3339_millis(out, system_clock::time_point(951782400999ms + 500us));  // 2000-02-29
  EXPECT_EQ(fmt::to_string(out), "2000-02-29T00:00:00.999Z");
  out.clear();
  append_rfc3339_millis(out, system_clock::time_point(4102444799000ms));
  EXPECT_EQ(fmt::to_string(out), "2099-12-31T23:59:59.000Z");
}

}  // namespace
}  // namespace paygate::observe
