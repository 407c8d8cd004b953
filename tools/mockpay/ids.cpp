#include "mockpay/ids.h"

namespace paygate::mockpay {

namespace {
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kAlphanumeric =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
}  // namespace

IdMint::IdMint() : random_(std::random_device{}()) {}

std::string IdMint::transaction_id(TimePoint now) {
  return "4200" + digits(6) + date_digits_cst(now) + digits(10);
}

std::string IdMint::prepay_id(TimePoint now) { return "wx" + compact_cst(now) + hex(20); }

std::string IdMint::refund_id(TimePoint now) {
  return "50" + digits(9) + date_digits_cst(now) + digits(10);
}

std::string IdMint::code_url_token() { return pick(kAlphanumeric, 9); }

std::string IdMint::openid() { return "oUpF8" + pick(kAlphanumeric, 23); }

std::string IdMint::digits(std::size_t count) { return pick(kDigits, count); }

std::string IdMint::hex(std::size_t count) { return pick(kHex, count); }

std::string IdMint::pick(std::string_view alphabet, std::size_t count) {
  std::uniform_int_distribution<std::size_t> index(0, alphabet.size() - 1);
  std::string out(count, '0');
  for (char& c : out) c = alphabet[index(random_)];
  return out;
}

}  // namespace paygate::mockpay
