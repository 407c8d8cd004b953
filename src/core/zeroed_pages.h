#pragma once
// ZeroedPages, ZeroedArray<T>: large arrays that cost memory only where they are written.
// The memory comes straight from the kernel (an anonymous private mapping), reads as zeroes,
// and a page becomes resident on its first write. A table sized for the worst case (the replay
// store's million nonces) therefore costs nothing at start-up and little at idle, where a
// std::vector would touch every byte before the first request. T must be valid as all-zero
// bytes and need no destructor; the caller designs its encoding so that zero means "empty".

#include <cstddef>
#include <type_traits>

namespace paygate::core {

class ZeroedPages {
 public:
  ZeroedPages() = default;
  // Throws std::bad_alloc when the kernel refuses the mapping. Zero bytes maps nothing.
  explicit ZeroedPages(std::size_t bytes);
  ~ZeroedPages();
  ZeroedPages(ZeroedPages&& other) noexcept;
  ZeroedPages& operator=(ZeroedPages&& other) noexcept;
  ZeroedPages(const ZeroedPages&) = delete;
  ZeroedPages& operator=(const ZeroedPages&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void release();
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

template <typename T>
class ZeroedArray {
 public:
  ZeroedArray() = default;
  // (Checked here rather than on the class, so that a member may name a type still incomplete.)
  explicit ZeroedArray(std::size_t size) : pages_(size * sizeof(T)) {
    static_assert(std::is_trivially_destructible_v<T> &&
                      (std::is_trivially_default_constructible_v<T> || std::is_aggregate_v<T>),
                  "ZeroedArray holds only types that all-zero memory can stand for");
  }

  std::size_t size() const { return pages_.bytes() / sizeof(T); }
  bool empty() const { return size() == 0; }
  T& operator[](std::size_t i) { return begin()[i]; }
  const T& operator[](std::size_t i) const { return begin()[i]; }
  T* begin() const { return static_cast<T*>(pages_.data()); }
  T* end() const { return begin() + size(); }

 private:
  ZeroedPages pages_;
};

}  // namespace paygate::core
