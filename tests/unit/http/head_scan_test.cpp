#include "http/head_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace paygate::http {
namespace {

const HeadScanLimits kLimits{64, 512, 4};

HeadVerdict verdict(std::string_view bytes, const HeadScanLimits& limits = kLimits) {
  return scan_head(bytes, limits, StartLine::kRequest).verdict;
}

TEST(HeadScan, CompleteHeadReportsItsSize) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const HeadScan scan = scan_head(head + "BODY", kLimits, StartLine::kRequest);
  EXPECT_EQ(scan.verdict, HeadVerdict::kComplete);
  EXPECT_EQ(scan.size, head.size());
}

TEST(HeadScan, PartialHeadIsIncomplete) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\n"), HeadVerdict::kIncomplete);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r"), HeadVerdict::kIncomplete);
  EXPECT_EQ(verdict(""), HeadVerdict::kIncomplete);
}

// HTTP/0.9 has no version and no header: refused when its line ends, not at the header timeout.
TEST(HeadScan, ARequestLineWithoutVersionIsRefusedWhenItEnds) {
  EXPECT_EQ(verdict("GET /\r\n"), HeadVerdict::kNoHttpVersion);
  EXPECT_EQ(verdict("GET /pay\r\n\r\n"), HeadVerdict::kNoHttpVersion);
  EXPECT_EQ(verdict("\r\nGET\r\n"), HeadVerdict::kNoHttpVersion);
  EXPECT_EQ(verdict("GET / FTP/1.0\r\n"), HeadVerdict::kNoHttpVersion);
  EXPECT_EQ(verdict("GET /"), HeadVerdict::kIncomplete);  // the line has not ended yet
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\n"), HeadVerdict::kIncomplete);
}

// Beast refuses these like malformed versions; they are well-formed, only not spoken here.
TEST(HeadScan, AVersionOtherThan10And11IsUnsupportedOnceTheLineEnds) {
  for (std::string_view line :
       {"GET / HTTP/1.2\r\n", "GET / HTTP/2.0\r\n", "GET / HTTP/3.0\r\n", "GET / HTTP/0.9\r\n"}) {
    EXPECT_EQ(verdict(line), HeadVerdict::kUnsupportedVersion) << line;
  }
  EXPECT_EQ(verdict("GET / HTTP/1.0\r\n"), HeadVerdict::kIncomplete);
  EXPECT_EQ(verdict("GET / HTTP/1.10\r\n"), HeadVerdict::kIncomplete);  // malformed: Beast's
  EXPECT_EQ(verdict("GET / HTTP/2\r\n"), HeadVerdict::kIncomplete);
}

TEST(HeadScan, AStatusLineIsNotARequestLine) {
  EXPECT_EQ(scan_head("HTTP/1.1 200 OK\r\n\r\n", kLimits, StartLine::kStatus).verdict,
            HeadVerdict::kComplete);
  EXPECT_EQ(scan_head("HTTP/1.1 200\r\n\r\n", kLimits, StartLine::kStatus).verdict,
            HeadVerdict::kComplete);
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
