#pragma once
// ThreadChecker: makes "confined to one thread" a checked statement rather than a comment. In
// debug builds (the sanitizer builds that run the unit tests) it binds to the first thread that
// asks and answers false for any other; detach() unbinds it, for an object built on one thread
// and handed to another before use (a worker is built by the control thread, then runs on its
// own). In release builds it holds nothing and every check is true at compile time.
//
//   class Watchdog { ... core::ThreadChecker thread_; };
//   void Watchdog::add(Entry& e) { PAYGATE_ASSERT_CONFINED(thread_); ... }

#include <atomic>
#include <cassert>
#include <thread>

namespace paygate::core {

// The same layout in every build, so that objects holding one agree across translation units
// built with and without NDEBUG; only the check itself is compiled out.
class ThreadChecker {
 public:
  // True on the thread the checker is bound to; the first caller binds it.
  bool on_owner_thread() const {
#ifdef NDEBUG
    return true;
#else
    const std::thread::id current = std::this_thread::get_id();
    std::thread::id owner{};
    return owner_.compare_exchange_strong(owner, current) || owner == current;
#endif
  }
  void detach() { owner_.store(std::thread::id{}, std::memory_order_relaxed); }

 private:
  mutable std::atomic<std::thread::id> owner_{};
};

}  // namespace paygate::core

// Asserts (debug builds) that the caller is the thread `checker` is bound to.
#define PAYGATE_ASSERT_CONFINED(checker) assert((checker).on_owner_thread())
