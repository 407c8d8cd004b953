#include "http/head_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace paygate::http {
namespace {

const HeadScanLimits kLimits{64, 512, 4};

HeadVerdict verdict(std::string_view bytes, const HeadScanLimits& limits = kLimits) {
  return scan_head(bytes, limits).verdict;
}

TEST(HeadScan, CompleteHeadReportsItsSize) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const HeadScan scan = scan_head(head + "BODY", kLimits);
  EXPECT_EQ(scan.verdict, HeadVerdict::kComplete);
  EXPECT_EQ(scan.size, head.size());
}

TEST(HeadScan, PartialHeadIsIncomplete) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\n"), HeadVerdict::kIncomplete);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r"), HeadVerdict::kIncomplete);
  EXPECT_EQ(verdict(""), HeadVerdict::kIncomplete);
}

TEST(HeadScan, LeadingEmptyLinesAreIgnored) {
  EXPECT_EQ(verdict("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), HeadVerdict::kComplete);
}

TEST(HeadScan, RejectsObsFold) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n"), HeadVerdict::kObsFold);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nX-A: 1\r\n\tcontinued\r\n\r\n"), HeadVerdict::kObsFold);
}

TEST(HeadScan, RejectsBareCrBareLfAndNul) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nX-A: 1\r2\r\n\r\n"), HeadVerdict::kBareCr);
  EXPECT_EQ(verdict("GET / HTTP/1.1\nHost: a\r\n\r\n"), HeadVerdict::kBareLf);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\n\r\n"), HeadVerdict::kBareLf);
  EXPECT_EQ(verdict(std::string("GET / HTTP/1.1\r\nX-A: \0\r\n\r\n", 26)), HeadVerdict::kNul);
}

TEST(HeadScan, StartLineLimitGives414EvenBeforeItEnds) {
  EXPECT_EQ(verdict("GET /" + std::string(100, 'a')), HeadVerdict::kStartLineTooLong);
  EXPECT_EQ(verdict("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n"),
            HeadVerdict::kStartLineTooLong);
}

TEST(HeadScan, HeaderSizeLimit) {
  const std::string big = "GET / HTTP/1.1\r\nX-A: " + std::string(600, 'b');
  EXPECT_EQ(verdict(big), HeadVerdict::kHeaderTooLarge);
  EXPECT_EQ(verdict(big + "\r\n\r\n"), HeadVerdict::kHeaderTooLarge);
}

TEST(HeadScan, FieldCountLimit) {
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 4; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(verdict(head + "\r\n"), HeadVerdict::kComplete);
  EXPECT_EQ(verdict(head + "X-9: v\r\n\r\n"), HeadVerdict::kTooManyFields);
}

}  // namespace
}  // namespace paygate::http
