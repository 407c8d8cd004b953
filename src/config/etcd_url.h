#pragma once
// EtcdUrl: where a configuration document lives in etcd, `etcd://HOST:PORT/KEY`, or with several
// members of one etcd cluster, `etcd://HOST:PORT,HOST:PORT,.../KEY` (tried in order: the first
// that answers serves). The key is the whole path, leading '/' included:
// `etcd://127.0.0.1:2379/paygate/config` names the key `/paygate/config`
// (`etcdctl put /paygate/config`). HOST is a name, an IPv4 address or a bracketed IPv6 address;
// PORT defaults to 2379. Plain HTTP only, no user info, query or fragment, no percent-escapes: a
// URL that is not exactly this form is refused with a message. Pure functions, any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paygate::config {

struct EtcdMember {
  std::string host;  // without brackets, for the resolver
  std::uint16_t port = 2379;
};

struct EtcdUrl {
  std::vector<EtcdMember> members;  // at least one, at most kMaxEtcdMembers
  std::string key;                  // "/paygate/config"
  std::string text;  // the URL as given: the "file name" of errors and of /config's source
};

struct EtcdUrlParse {
  std::optional<EtcdUrl> url;
  std::string error;  // why the text is not an etcd URL, when `url` is empty
};

inline constexpr std::string_view kEtcdScheme = "etcd://";
inline constexpr std::size_t kMaxEtcdKeyBytes = 1024;
inline constexpr std::size_t kMaxEtcdMembers = 16;

// Whether `text` asks for etcd at all (starts with "etcd://"); a config path that does not is a
// file.
bool is_etcd_url(std::string_view text);
EtcdUrlParse parse_etcd_url(std::string_view text);

}  // namespace paygate::config
