#include "core/zeroed_pages.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace paygate::core {
namespace {

struct Entry {
  std::uint64_t key = 0;
  std::uint32_t next = 0;
};

// Pages of [data, data + bytes) the kernel holds in memory now.
std::size_t resident_pages(const void* data, std::size_t bytes) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> map((bytes + page - 1) / page);
  if (::mincore(const_cast<void*>(data), bytes, map.data()) != 0) return SIZE_MAX;
  std::size_t resident = 0;
  for (unsigned char bits : map) resident += bits & 1u;
  return resident;
}

TEST(ZeroedArray, ReadsAsZeroesAndKeepsWhatIsWritten) {
  ZeroedArray<Entry> entries(100'000);
  ASSERT_EQ(entries.size(), 100'000u);
  EXPECT_EQ(entries[0].key, 0u);
  EXPECT_EQ(entries[99'999].next, 0u);
  entries[42] = Entry{7, 9};
  EXPECT_EQ(entries[42].key, 7u);
  EXPECT_EQ(entries[42].next, 9u);
}

TEST(ZeroedArray, CostsMemoryOnlyWhereWritten) {
  ZeroedArray<std::uint32_t> table(16u << 20);  // 64 MiB of address space
  const std::size_t bytes = table.size() * sizeof(std::uint32_t);
  EXPECT_EQ(resident_pages(table.begin(), bytes), 0u);
  table[0] = 1;
  table[table.size() - 1] = 1;
  EXPECT_EQ(resident_pages(table.begin(), bytes), 2u);
}

TEST(ZeroedArray, MovesOwnership) {
  ZeroedArray<std::uint32_t> first(1024);
  first[3] = 5;
  ZeroedArray<std::uint32_t> second = std::move(first);
  EXPECT_EQ(second[3], 5u);
  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  first = std::move(second);
  EXPECT_EQ(first[3], 5u);
}

TEST(ZeroedArray, EmptyMapsNothing) {
  ZeroedArray<std::uint32_t> none(0);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.begin(), nullptr);
}

}  // namespace
}  // namespace paygate::core
