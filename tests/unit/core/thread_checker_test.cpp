// ThreadChecker: binds to its first caller, refuses other threads, rebinds after detach(). The
// checks exist only in debug builds (the sanitizer builds of make test); release builds skip.
#include "core/thread_checker.h"

#include <gtest/gtest.h>

#include <thread>

namespace paygate::core {
namespace {

bool checked_on_another_thread(const ThreadChecker& checker) {
  bool result = false;
  std::thread other([&] { result = checker.on_owner_thread(); });
  other.join();
  return result;
}

TEST(ThreadChecker, TheFirstCallerOwnsItAndNoOtherThread) {
#ifdef NDEBUG
  GTEST_SKIP() << "thread checks are compiled out of release builds";
#endif
  ThreadChecker checker;
  EXPECT_TRUE(checker.on_owner_thread());
  EXPECT_TRUE(checker.on_owner_thread());
  EXPECT_FALSE(checked_on_another_thread(checker));
}

TEST(ThreadChecker, DetachLetsTheNextCallerOwnIt) {
#ifdef NDEBUG
  GTEST_SKIP() << "thread checks are compiled out of release builds";
#endif
  ThreadChecker checker;
  EXPECT_TRUE(checker.on_owner_thread());
  checker.detach();
  EXPECT_TRUE(checked_on_another_thread(checker));  // now bound to that thread
  EXPECT_FALSE(checker.on_owner_thread());
}

TEST(ThreadChecker, AnUnusedCheckerBindsToWhoeverAsksFirst) {
  ThreadChecker checker;
  EXPECT_TRUE(checked_on_another_thread(checker));
}

}  // namespace
}  // namespace paygate::core
