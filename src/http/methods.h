#pragma once
// MethodSet: the request methods a listener lets in (listener.methods), as a set over the methods
// paygate knows: Beast's verbs, which are the IANA-registered HTTP methods. A request whose method
// token is none of them is refused with 501; a known method outside the set with 405 and an Allow
// field listing the set (RFC 9110 sections 9.1, 15.5.6, 15.6.2). CONNECT and TRACE are never in
// a set: a gateway neither tunnels nor echoes requests. Plain value; built by config/ at load,
// then read by the worker's connections.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message_head.h"

namespace paygate::http {

// The method a token names, when paygate knows it (methods are case-sensitive: "get" is not GET).
std::optional<Verb> known_method(std::string_view token);

// CONNECT and TRACE: refused whatever the configuration says.
bool is_never_allowed(Verb method);

class MethodSet {
 public:
  // RFC 9110's GET HEAD POST PUT DELETE OPTIONS, plus PATCH (RFC 5789).
  MethodSet();
  explicit MethodSet(std::initializer_list<Verb> methods);

  // Adds a method; one that is never allowed is ignored (config/ reports it).
  void add(Verb method);
  void clear();
  bool contains(Verb method) const;
  // The methods in the set, in the order of Beast's verbs.
  std::vector<std::string_view> names() const;
  // The value of the Allow field: names(), ", "-separated.
  std::string_view allow() const { return allow_; }

 private:
  void rebuild_allow();

  std::uint64_t bits_ = 0;
  std::string allow_;
};

}  // namespace paygate::http
