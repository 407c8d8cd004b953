#pragma once
// Script: a Lua script the server runs atomically (EVALSHA). Its SHA-1 is computed once here;
// Connection::call_script() sends EVALSHA and, when the server has not cached the script (a
// restarted or flushed server: NOSCRIPT), the script itself once.

#include <string>
#include <string_view>

namespace paygate::redis {

class Script {
 public:
  explicit Script(std::string text);

  std::string_view text() const { return text_; }
  std::string_view sha1() const { return sha1_; }  // lowercase hex, as EVALSHA takes it

 private:
  std::string text_;
  std::string sha1_;
};

}  // namespace paygate::redis
