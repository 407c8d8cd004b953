#pragma once
// scan_head: a strict pre-check of the raw header block before Beast parses it. Beast is
// lenient where a proxy must not be (RFC 9112 section 2.2, 5.2): a request with obs-fold, a bare CR
// or LF, or a NUL could be read differently by the backend, so it is refused, never forwarded.
// Pure function over bytes; also enforces the request-line, header-size and header-count limits.
// A request line's version is checked as soon as the line ends: one without a version (HTTP/0.9,
// "GET /\r\n") would otherwise wait for a header end that never comes, and Beast refuses a
// well-formed version other than 1.0 and 1.1 like a malformed one, where it deserves 505.

#include <cstddef>
#include <string_view>

namespace paygate::http {

enum class HeadVerdict {
  kIncomplete,          // no end of header yet, limits not exceeded: read more
  kComplete,            // a well-formed header block of `size` bytes
  kStartLineTooLong,    // -> 414 (request) / 502 (response)
  kHeaderTooLarge,      // -> 431
  kTooManyFields,       // -> 431
  kBareCr,              // CR not followed by LF -> 400
  kBareLf,              // LF not preceded by CR -> 400
  kObsFold,             // a field line starting with SP or HTAB -> 400
  kNul,                 // NUL anywhere in the head -> 400
  kNoHttpVersion,       // a request line that does not end in " HTTP/..." (HTTP/0.9) -> 400
  kUnsupportedVersion,  // a request line ending in HTTP/x.y other than 1.0 and 1.1 -> 505
};

// Which start line the head begins with.
enum class StartLine { kRequest, kStatus };

struct HeadScanLimits {
  std::size_t max_start_line = 8 * 1024;
  std::size_t max_head_bytes = 64 * 1024;
  std::size_t max_fields = 100;
};

struct HeadScan {
  HeadVerdict verdict = HeadVerdict::kIncomplete;
  std::size_t size = 0;  // bytes of the head including the final empty line, when complete
};

HeadScan scan_head(std::string_view bytes, const HeadScanLimits& limits, StartLine start_line);

const char* to_string(HeadVerdict verdict);

}  // namespace paygate::http
