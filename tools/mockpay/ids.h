#pragma once
// IdMint: makes identifiers shaped like the platform's own (lengths and prefixes as seen in the
// official examples). Random parts come from a generator this object owns, so one IdMint belongs
// to one thread. Unique enough for a demo backend, not secrets.

#include <cstddef>
#include <random>
#include <string>

#include "mockpay/time_text.h"

namespace paygate::mockpay {

class IdMint {
 public:
  IdMint();

  std::string transaction_id(TimePoint now);  // 28 digits: "4200" + 6 + yyyymmdd + 10
  std::string prepay_id(TimePoint now);       // "wx" + yyyymmddhhmmss + 20 lowercase hex
  std::string refund_id(TimePoint now);       // 29 digits: "50" + 9 + yyyymmdd + 10
  std::string code_url_token();               // 9 of [0-9A-Za-z], the `pr` of a code_url
  std::string openid();                       // 28 characters, "oUpF8" + 23 of [0-9A-Za-z]
  std::string digits(std::size_t count);
  std::string hex(std::size_t count);

 private:
  std::string pick(std::string_view alphabet, std::size_t count);

  std::mt19937_64 random_;
};

}  // namespace paygate::mockpay
