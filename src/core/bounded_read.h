#pragma once
// Reads a whole stream that must not exceed a size limit (config files, PEM files, key files).
// The buffer grows with what was actually read: pre-sizing it to the limit would zero and fault in
// megabytes of pages, which on a fresh process costs milliseconds of start-up time.

#include <cstddef>
#include <istream>
#include <string>

namespace paygate::core {

enum class BoundedRead {
  kOk,        // `out` holds the whole stream
  kTooLarge,  // the stream has more than `limit` bytes; `out` holds limit + 1 of them
  kFailed,    // the stream reported a read error
};

BoundedRead read_bounded(std::istream& in, std::size_t limit, std::string& out);

}  // namespace paygate::core
