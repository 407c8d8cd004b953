#include "crypto/base64.h"

#include <openssl/evp.h>

#include <climits>

namespace paygate::crypto {

namespace {

// Index in the base64 alphabet, or -1.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::size_t padding_of(std::string_view text) {
  if (text.ends_with("==")) return 2;
  return text.ends_with('=') ? 1 : 0;
}

// EVP_DecodeBlock skips whitespace and accepts stray padding, so the shape is checked here.
bool is_canonical(std::string_view text, std::size_t padding) {
  if (text.size() % 4 != 0) return false;
  std::string_view data = text.substr(0, text.size() - padding);
  for (char c : data) {
    if (sextet(c) < 0) return false;
  }
  if (padding == 0) return true;
  // The bits of the last character that fall beyond the final byte must be zero.
  int last = sextet(data.back());
  return padding == 2 ? (last & 0x0F) == 0 : (last & 0x03) == 0;
}

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

void base64_encode(std::string_view bytes, std::string& out) {
  out.resize((bytes.size() + 2) / 3 * 4 + 1);  // EVP_EncodeBlock writes a final NUL
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), as_bytes(bytes),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_encode(bytes, out);
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() > INT_MAX / 2) return false;
  std::size_t padding = padding_of(text);
  if (!is_canonical(text, padding)) return false;
  if (text.empty()) return true;
  out.resize(text.size() / 4 * 3);
  int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), as_bytes(text),
                                static_cast<int>(text.size()));
  if (written < 0 || static_cast<std::size_t>(written) != out.size()) return false;
  out.resize(out.size() - padding);
  return true;
}

}  // namespace paygate::crypto
