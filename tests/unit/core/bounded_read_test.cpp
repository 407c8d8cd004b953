#include "core/bounded_read.h"

#include <gtest/gtest.h>

#include <sstream>

namespace paygate::core {
namespace {

std::string text_of(std::size_t size) {
  std::string text(size, 'x');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 26);
  return text;
}

TEST(BoundedReadTest, ReadsAnEmptyStream) {
  std::istringstream in("");
  std::string out = "stale";
  EXPECT_EQ(read_bounded(in, 10, out), BoundedRead::kOk);
  EXPECT_EQ(out, "");
}

TEST(BoundedReadTest, ReadsAStreamSpanningSeveralChunks) {
  const std::string text = text_of(40'000);
  std::istringstream in(text);
  std::string out;
  EXPECT_EQ(read_bounded(in, 1 << 20, out), BoundedRead::kOk);
  EXPECT_EQ(out, text);
}

TEST(BoundedReadTest, AcceptsAStreamOfExactlyTheLimit) {
  const std::string text = text_of(16 * 1024);
  std::istringstream in(text);
  std::string out;
  EXPECT_EQ(read_bounded(in, text.size(), out), BoundedRead::kOk);
  EXPECT_EQ(out, text);
}

TEST(BoundedReadTest, RefusesOneByteOverTheLimitAndReadsNoFurther) {
  const std::string text = text_of(50'000);
  std::istringstream in(text);
  std::string out;
  EXPECT_EQ(read_bounded(in, 20'000, out), BoundedRead::kTooLarge);
  EXPECT_EQ(out.size(), 20'001u);
  EXPECT_EQ(in.tellg(), 20'001);
}

TEST(BoundedReadTest, ReportsAFailedStream) {
  std::istringstream in("text");
  in.setstate(std::ios::badbit);
  std::string out;
  EXPECT_EQ(read_bounded(in, 10, out), BoundedRead::kFailed);
}

}  // namespace
}  // namespace paygate::core
