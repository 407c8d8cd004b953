// Fuzzes the upstream side's parsing as proxy::Forwarder does it: scan_head on the status line
// and fields, ResponseParser over the head (interim 1xx heads skipped, each with a new parser),
// then the body in arbitrary splits, ended by EOF when the body is close-delimited. A backend is
// less hostile than a client, but a compromised or confused one must not crash the gateway,
// leak, hang, or put more than max_body bytes in the sink. Must never crash, leak or hang.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "http/head_scan.h"
#include "http/parser.h"

namespace {

using namespace paygate::http;

constexpr std::size_t kMaxBody = 4096;

// Feeds the body in pieces of `step` bytes; the sink is drained between feeds, as a relay does.
void feed_body(ResponseParser& parser, std::string& sink, std::string_view rest, std::size_t step) {
  boost::beast::error_code ec;
  std::size_t total = 0;
  while (!rest.empty() && !parser.is_done()) {
    const std::size_t used = feed_available(parser, rest.substr(0, step), ec);
    if (ec) return;
    if (used == 0) {
      if (step >= rest.size()) break;
      step = rest.size();  // Beast wants more at once than one piece: give it the rest
      continue;
    }
    rest.remove_prefix(used);
    total += sink.size();
    if (total > kMaxBody) std::abort();  // the body limit did not hold
    sink.clear();
  }
  if (!parser.is_done() && parser.need_eof()) parser.put_eof(ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // The first byte picks how the body is split into reads, the second whether the request was
  // HEAD (no body follows whatever the head says).
  const std::size_t step = 1 + data[0] % 64;
  const bool head_request = data[1] % 2 == 1;
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  ResponseHead head;
  std::string sink;
  for (int heads = 0; heads < 8; ++heads) {  // a few interim 1xx heads, then the final one
    const HeadScan scan = scan_head(bytes, HeadScanLimits{256, 4096, 32}, StartLine::kStatus);
    if (scan.verdict != HeadVerdict::kComplete) return 0;
    ResponseParser parser(head, sink, kMaxBody, head_request);
    boost::beast::error_code ec;
    const std::size_t used = parser.feed(bytes.substr(0, scan.size), ec);
    if (ec) return 0;
    bytes.remove_prefix(used);
    if (head.status >= 100 && head.status < 200 && head.status != 101) continue;
    (void)head.fields.find(Field::content_length);
    (void)head.reason;
    feed_body(parser, sink, bytes, step);
    return 0;
  }
  return 0;
}
