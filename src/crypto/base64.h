#pragma once
// Standard base64 (RFC 4648 section 4, '+' '/' and '=' padding), as WeChat Pay uses for
// signatures and ciphertexts. Decoding is strict: the length is a multiple of 4, only alphabet
// characters, '=' only as one or two final characters, unused trailing bits zero, no whitespace.
// Output goes into a caller-owned string whose capacity is reused. Pure functions, any thread.

#include <string>
#include <string_view>

namespace paygate::crypto {

// Replaces out with the encoding of bytes.
void base64_encode(std::string_view bytes, std::string& out);
std::string base64_encode(std::string_view bytes);

// Replaces out with the decoded bytes. False (out unspecified) when text is not canonical base64.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace paygate::crypto
