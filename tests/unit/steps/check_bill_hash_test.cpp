// The bill download check: X-Pay-Bill-Hash values are read strictly; a file fed in pieces of any
// size is judged by its SHA-1 or SM3, of its inflated content when it comes gzipped (several
// members too); a wrong digest or a corrupt gzip is refused; every download is counted once,
// an error answer as not_a_file and one that never finished as incomplete.
#include "steps/check_bill_hash.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "observe/engine_metrics.h"
#include "observe/registry.h"

namespace paygate::steps {
namespace {

using crypto::DigestAlgorithm;

constexpr std::string_view kSha1OfAbc = "a9993e364706816aba3e25717850c26c9cd0d89d";
constexpr std::string_view kSm3OfAbc =
    "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";

std::string gzip(std::string_view plain) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, plain.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

std::string sha1_hex(std::string_view text) {
  crypto::Digest digest(DigestAlgorithm::kSha1);
  digest.update(text);
  return digest.hex_final();
}

class BillHashCheckTest : public ::testing::Test {
 protected:
  // Feeds `file` in pieces of `piece` bytes; the check's verdict.
  bool judge(BillHashCheck& check, std::string_view file, std::size_t piece) {
    EXPECT_TRUE(check.applies_to(200));
    for (std::size_t at = 0; at < file.size(); at += piece) {
      if (!check.update(file.substr(at, piece))) return false;
    }
    return check.finish();
  }
  bool judge(DigestAlgorithm algorithm, std::string_view expected, std::string_view file,
             std::size_t piece) {
    BillHashCheck check(algorithm, std::string(expected), metrics_);
    return judge(check, file, piece);
  }
  double counted(std::string result) const {
    for (const auto& [values, value] : registry_.counter_values(names_.egress_bill_downloads)) {
      if (values == std::vector<std::string>{result}) return value;
    }
    return 0;
  }

  observe::Registry registry_{1};
  const observe::EngineMetrics names_ = observe::declare_engine_metrics(registry_);
  RequestMetrics metrics_{registry_.shard(0), names_};
};

TEST(ParseBillHash, TakesTheTypeAndHexOfTheRightLength) {
  auto sha1 = parse_bill_hash("SHA1 A9993E364706816ABA3E25717850C26C9CD0D89D");
  ASSERT_TRUE(sha1);
  EXPECT_EQ(sha1->algorithm, DigestAlgorithm::kSha1);
  EXPECT_EQ(sha1->hex, kSha1OfAbc);
  auto sm3 = parse_bill_hash("sm3 " + std::string(kSm3OfAbc));
  ASSERT_TRUE(sm3);
  EXPECT_EQ(sm3->algorithm, DigestAlgorithm::kSm3);
  for (std::string_view bad : {"", "SHA1", "SHA1 ", "MD5 a9993e364706816aba3e25717850c26c9cd0d89d",
                               "SHA1 a9993e364706816aba3e25717850c26c9cd0d89",
                               "SHA1  a9993e364706816aba3e25717850c26c9cd0d89d",
                               "SHA1 g9993e364706816aba3e25717850c26c9cd0d89d",
                               "SM3 a9993e364706816aba3e25717850c26c9cd0d89d"}) {
    EXPECT_FALSE(parse_bill_hash(bad)) << bad;
  }
}

TEST_F(BillHashCheckTest, APlainFileIsJudgedByItsDigestWhateverThePieces) {
  EXPECT_TRUE(judge(DigestAlgorithm::kSha1, kSha1OfAbc, "abc", 1));
  EXPECT_TRUE(judge(DigestAlgorithm::kSm3, kSm3OfAbc, "abc", 2));
  EXPECT_FALSE(judge(DigestAlgorithm::kSha1, kSha1OfAbc, "abd", 3));
  EXPECT_EQ(counted("ok"), 2);
  EXPECT_EQ(counted("hash_mismatch"), 1);
}

TEST_F(BillHashCheckTest, AGzippedFileIsJudgedByItsInflatedContent) {
  std::string bill;
  for (int i = 0; i < 20000; ++i) bill += "2026-12-06 10:00:00,wx2421b1c4370ec43b,SUCCESS,100\n";
  const std::string expected = sha1_hex(bill);
  const std::string packed = gzip(bill);
  ASSERT_LT(packed.size(), bill.size() / 10);
  EXPECT_TRUE(judge(DigestAlgorithm::kSha1, expected, packed, 1));
  EXPECT_TRUE(judge(DigestAlgorithm::kSha1, expected, packed, 4096));
  // Two members, as concatenated gzip files are.
  const std::string half = bill.substr(0, bill.size() / 2);
  EXPECT_TRUE(judge(DigestAlgorithm::kSha1, expected,
                    gzip(half) + gzip(std::string_view(bill).substr(half.size())), 777));
  // The compressed bytes' own digest is not the bill's.
  EXPECT_FALSE(judge(DigestAlgorithm::kSha1, sha1_hex(packed), packed, 4096));
  EXPECT_EQ(counted("ok"), 3);
  EXPECT_EQ(counted("hash_mismatch"), 1);
}

TEST_F(BillHashCheckTest, ACorruptOrCutGzipIsRefused) {
  // Text that does not compress to almost nothing, so that every byte of the stream matters.
  std::string bill;
  std::uint32_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = x * 1103515245 + 12345;
    bill.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  std::string packed = gzip(bill);
  std::string corrupt = packed;
  corrupt[packed.size() / 2] = static_cast<char>(corrupt[packed.size() / 2] ^ 0x55);
  EXPECT_FALSE(judge(DigestAlgorithm::kSha1, sha1_hex(bill), corrupt, 64));
  EXPECT_FALSE(
      judge(DigestAlgorithm::kSha1, sha1_hex(bill), packed.substr(0, packed.size() - 4), 64));
  EXPECT_EQ(counted("bad_gzip"), 2);
}

TEST_F(BillHashCheckTest, ErrorAnswersAndUnfinishedTransfersAreCountedOnce) {
  {
    BillHashCheck check(DigestAlgorithm::kSha1, std::string(kSha1OfAbc), metrics_);
    EXPECT_FALSE(check.applies_to(404));
  }
  {
    BillHashCheck check(DigestAlgorithm::kSha1, std::string(kSha1OfAbc), metrics_);
    EXPECT_TRUE(check.applies_to(200));
    EXPECT_TRUE(check.update("ab"));
  }
  EXPECT_EQ(counted("not_a_file"), 1);
  EXPECT_EQ(counted("incomplete"), 1);
  EXPECT_EQ(counted("ok"), 0);
}

}  // namespace
}  // namespace paygate::steps
