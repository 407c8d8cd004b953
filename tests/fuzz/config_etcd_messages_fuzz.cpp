// Fuzz target: any bytes as what etcd sends back. The watch stream is fed in two pieces split
// where the first byte says (a read boundary anywhere), the whole input is also a range reply
// and an etcd:// URL. Each must give messages or errors, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "config/etcd_messages.h"
#include "config/etcd_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = input.empty() ? 0 : data[0] % (input.size() + 1);
  paygate::config::EtcdWatchStream stream;
  std::vector<paygate::config::EtcdWatchMessage> messages;
  stream.feed(input.substr(0, split), messages);
  stream.feed(input.substr(split), messages);
  (void)paygate::config::parse_etcd_range_reply(input);
  (void)paygate::config::parse_etcd_url(input);
  return 0;
}
