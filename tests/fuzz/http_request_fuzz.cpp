// Fuzzes the downstream request path's parsing: scan_head, then RequestParser over the head and
// the body in arbitrary splits, as ServerConnection feeds it. Must never crash, leak or hang.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/head_scan.h"
#include "http/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace paygate::http;
  if (size == 0) return 0;
  // The first byte picks how the rest is split into reads.
  const std::size_t step = 1 + data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const HeadScan scan = scan_head(bytes, HeadScanLimits{256, 4096, 32}, StartLine::kRequest);
  if (scan.verdict != HeadVerdict::kComplete) return 0;
  RequestHead head;
  std::string body;
  RequestParser parser(head, body, 4096);
  boost::beast::error_code ec;
  parser.feed(bytes.substr(0, scan.size), ec);
  if (ec) return 0;
  std::string_view rest = bytes.substr(scan.size);
  while (!rest.empty() && !parser.is_done()) {
    const std::string_view piece = rest.substr(0, step);
    const std::size_t used = feed_available(parser, piece, ec);
    if (ec) break;
    if (used == 0 && piece.size() == rest.size()) break;  // needs bytes that will never come
    rest.remove_prefix(used == 0 ? 0 : used);
    if (used == 0) {
      // Beast wants more than this piece at once: give it the whole remainder.
      feed_available(parser, rest, ec);
      break;
    }
  }
  (void)head.fields.find(Field::content_length);
  return 0;
}
