#include "observe/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace paygate::observe {
namespace {

std::string label_value(std::string_view value) {
  std::string out;
  append_escaped_label_value(out, value);
  return out;
}

std::string value_text(double value) {
  std::string out;
  append_value(out, value);
  return out;
}

TEST(Exposition, EscapesBackslashQuoteAndNewlineInLabelValues) {
  EXPECT_EQ(label_value(R"(a\b"c)"
                        "\nd"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(label_value("plain /v3/pay 中文"), "plain /v3/pay 中文");
}

TEST(Exposition, EscapesBackslashAndNewlineButNotQuotesInHelp) {
  std::string out;
  append_escaped_help(out, "say \"hi\"\\\nbye");
  EXPECT_EQ(out, R"(say "hi"\\\nbye)");
}

TEST(Exposition, WritesValuesAsShortestDecimalsAndSpecials) {
  EXPECT_EQ(value_text(0), "0");
  EXPECT_EQ(value_text(3), "3");
  EXPECT_EQ(value_text(0.005), "0.005");
  EXPECT_EQ(value_text(2.5), "2.5");
  EXPECT_EQ(value_text(-1), "-1");
  EXPECT_EQ(value_text(1700000000.5), "1700000000.5");
  EXPECT_EQ(value_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value_text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(value_text(std::nan("")), "NaN");
}

TEST(Exposition, WritesLabelsInOrderWithLeLast) {
  const std::vector<std::string> names{"route", "code"};
  const std::vector<std::string> values{"or\"ders", "200"};
  std::string out;
  append_labels(out, names, values);
  EXPECT_EQ(out, R"({route="or\"ders",code="200"})");
  out.clear();
  append_labels(out, names, values, "0.1");
  EXPECT_EQ(out, R"({route="or\"ders",code="200",le="0.1"})");
}

TEST(Exposition, WritesNothingForNoLabelsAndOnlyLeForHistograms) {
  std::string out;
  append_labels(out, {}, {});
  EXPECT_EQ(out, "");
  append_labels(out, {}, {}, "+Inf");
  EXPECT_EQ(out, R"({le="+Inf"})");
}

TEST(Exposition, ValidatesMetricAndLabelNames) {
  EXPECT_TRUE(is_valid_metric_name("paygate_http_requests_total"));
  EXPECT_TRUE(is_valid_metric_name("ns:sub_metric"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("1abc"));
  EXPECT_FALSE(is_valid_metric_name("with-dash"));
  EXPECT_TRUE(is_valid_label_name("route"));
  EXPECT_FALSE(is_valid_label_name("__reserved"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("9"));
}

}  // namespace
}  // namespace paygate::observe
