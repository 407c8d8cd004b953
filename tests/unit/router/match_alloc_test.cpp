// match() must not allocate: this binary replaces the global allocation functions with counting
// ones and checks that the count does not move across match() calls.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "router/route_table.h"

namespace {
std::atomic<std::size_t> allocations{0};

void* counted_allocation(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return counted_allocation(size); }
void* operator new[](std::size_t size) { return counted_allocation(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }

namespace paygate::router {
namespace {

RouteSpec spec(std::string name, PathKind kind, std::string pattern,
               std::vector<std::string> methods = {}, std::vector<std::string> hosts = {},
               std::vector<HeaderMatch> headers = {}) {
  return RouteSpec{std::move(name),    kind,
                   std::move(pattern), std::move(methods),
                   std::move(hosts),   std::move(headers)};
}

std::unique_ptr<const RouteTable> sample_table(bool with_regex) {
  std::vector<BuildError> errors;
  std::vector<RouteSpec> specs{
      spec("jsapi", PathKind::kTemplate, "/v3/pay/transactions/jsapi", {"POST"}),
      spec("by-id", PathKind::kTemplate, "/v3/pay/transactions/id/{transaction_id}", {"GET"},
           {"*.weixin.qq.com"}),
      spec("close", PathKind::kTemplate, "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
           {"POST"}, {}, {{"X-Colour", "gray", false}}),
      spec("backtrack", PathKind::kTemplate, "/v3/pay/transactions/out-trade-no/x/y"),
      spec("bill", PathKind::kPrefix, "/v3/bill/"),
  };
  if (with_regex) {
    specs.push_back(spec("regex", PathKind::kRegex, "/v3/merchant-service/[a-z-]+/[0-9]+"));
  }
  auto table = RouteTable::build(std::move(specs), errors);
  EXPECT_TRUE(errors.empty());
  return table;
}

std::size_t allocations_during_match(const RouteTable& table, const Request& request, bool& hit) {
  Match match;
  const std::size_t before = allocations.load();
  hit = table.match(request, match);
  return allocations.load() - before;
}

TEST(MatchAlloc, CountingAllocatorIsActive) {
  const std::size_t before = allocations.load();
  auto* text = new std::string(100, 'x');
  delete text;
  EXPECT_GT(allocations.load(), before);
}

// Without regex routes nothing is built lazily: not even the first match may allocate.
TEST(MatchAlloc, PathMatchesDoNotAllocate) {
  const auto table = sample_table(false);
  ASSERT_NE(table, nullptr);
  const std::vector<core::HeaderField> headers{{"x-colour", "gray"}, {"accept", "*/*"}};
  const std::string long_path = "/v3/bill/" + std::string(4000, 'a') + "/b";
  const Request requests[] = {
      {"POST", "api.mch.weixin.qq.com", "/v3/pay/transactions/jsapi", headers},
      {"GET", "api.mch.weixin.qq.com:443", "/v3/pay/transactions/id/4200001", headers},
      {"POST", "h", "/v3/pay/transactions/out-trade-no/T1/close", headers},
      {"GET", "h", "/v3/pay/transactions/out-trade-no/x/close", headers},
      {"GET", "h", long_path, headers},
      {"GET", "h", "/nothing/here", headers},
      {"GET", "h", "*", headers},
  };
  for (const Request& request : requests) {
    bool hit = false;
    EXPECT_EQ(allocations_during_match(*table, request, hit), 0u) << request.path;
  }
}

TEST(MatchAlloc, WarmRegexMatchesDoNotAllocate) {
  const auto table = sample_table(true);
  ASSERT_NE(table, nullptr);
  const Request request{"GET", "h", "/v3/merchant-service/complaints/123", {}};
  bool hit = false;
  allocations_during_match(*table, request, hit);  // RE2 builds its DFA states lazily
  ASSERT_TRUE(hit);
  EXPECT_EQ(allocations_during_match(*table, request, hit), 0u);
  EXPECT_TRUE(hit);
}

}  // namespace
}  // namespace paygate::router
