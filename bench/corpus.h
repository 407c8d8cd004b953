#pragma once
// What the corpus generators of the load tests share (signed_corpus, callbacks_corpus): reading a
// count from the command line, making N lines on T threads (each thread with its own OpenSSL
// contexts, in its `make` object), and writing them out in order.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace paygate::bench {

// A non-negative decimal number, or nothing.
inline std::optional<long long> non_negative(std::string_view text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// lines[i] = make_line(state, i) for i < n, line i on thread i % threads; `State` is built once
// per thread. False when a line could not be made.
template <typename State, typename MakeLine>
bool make_lines(std::size_t n, unsigned threads, MakeLine make_line,
                std::vector<std::string>& lines) {
  lines.assign(n, {});
  std::vector<char> failed(threads, 0);
  auto work = [&](unsigned t) {
    State state;
    for (std::size_t i = t; i < n; i += threads) {
      if (!make_line(state, i, lines[i])) {
        failed[t] = 1;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& thread : pool) thread.join();
  return std::find(failed.begin(), failed.end(), 1) == failed.end();
}

// The lines on stdout, one each, in order; false when stdout fails.
inline bool write_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    out += line;
    out += '\n';
    if (out.size() > (1u << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0;
}

}  // namespace paygate::bench
