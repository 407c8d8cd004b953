#include "core/trace_context.h"

#include <algorithm>
#include <cstring>

#include "core/fast_random.h"

namespace paygate::core {

namespace {

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

bool valid_trace_id(std::string_view id) {
  return id.size() == 32 && lower_hex(id) && !all_zero(id);
}

}  // namespace

bool TraceContext::continue_from(std::string_view value) {
  if (value.size() < kLength) return false;
  const std::string_view version = value.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return false;
  // Version 00 is exactly 55 characters; a later version may append fields after a '-'.
  if (version == "00" ? value.size() != kLength : value.size() > kLength && value[kLength] != '-') {
    return false;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
  const std::string_view trace = value.substr(3, 32);
  const std::string_view parent = value.substr(36, 16);
  const std::string_view flags = value.substr(53, 2);
  if (!valid_trace_id(trace) || !lower_hex(parent) || all_zero(parent) || !lower_hex(flags)) {
    return false;
  }
  std::memcpy(text_.data(), "00-", 3);
  std::memcpy(text_.data() + 3, trace.data(), 32);
  text_[35] = '-';
  text_[52] = '-';
  // Only the sampled bit is defined for version 00; the others are not passed on.
  const bool sampled = ((flags[1] >= 'a' ? flags[1] - 'a' + 10 : flags[1] - '0') & 1) != 0;
  std::memcpy(text_.data() + 53, sampled ? "01" : "00", 2);
  set_ = true;
  new_span();
  return true;
}

bool TraceContext::adopt_trace_id(std::string_view trace_id) {
  if (!valid_trace_id(trace_id)) return false;
  std::memcpy(text_.data() + 3, trace_id.data(), 32);
  start_sampled_span();
  return true;
}

// Written in place: a generated id is valid by construction, so it is not checked as an
// adopted one is.
void TraceContext::start() {
  char* id = text_.data() + 3;
  do {
    write_hex16(fast_random(), id);
    write_hex16(fast_random(), id + 16);
  } while (all_zero({id, 32}));
  start_sampled_span();
}

void TraceContext::start_sampled_span() {
  std::memcpy(text_.data(), "00-", 3);
  text_[35] = '-';
  std::memcpy(text_.data() + 52, "-01", 3);
  set_ = true;
  new_span();
}

void TraceContext::new_span() {
  std::uint64_t bits = 0;
  while (bits == 0) bits = fast_random();
  write_hex16(bits, text_.data() + 36);
}

}  // namespace paygate::core
