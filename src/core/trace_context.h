#pragma once
// TraceContext: the W3C Trace Context (https://www.w3.org/TR/trace-context/) of one request or
// notification: a trace id shared by every hop, the span id of the hop this process makes, and
// the flags. Kept in a fixed buffer: no allocation on the request path.
//
//   continue_from(traceparent)  adopts the caller's trace, then gives this hop a new span id;
//                               false (nothing changed) for a malformed value
//   adopt_trace_id(id)          continues a trace known only by its id (X-Trace-ID: 32 hex)
//   start()                     a new trace (sampled), for a request that came without one
//   traceparent()               what to send to the next hop: "00-<trace>-<span>-<flags>"
//
// Strict, as the spec asks of a receiver: version 00 exactly 55 characters; a higher version at
// least 55 with '-' after the flags; lowercase hex; no all-zero ids; version ff is invalid.

#include <array>
#include <string_view>

namespace paygate::core {

class TraceContext {
 public:
  static constexpr std::size_t kLength = 55;  // "00-" 32 "-" 16 "-" 2

  bool continue_from(std::string_view traceparent);
  bool adopt_trace_id(std::string_view trace_id);
  void start();
  void clear() { set_ = false; }

  bool empty() const { return !set_; }
  std::string_view traceparent() const { return {text_.data(), set_ ? kLength : 0}; }
  std::string_view trace_id() const { return traceparent().substr(set_ ? 3 : 0, set_ ? 32 : 0); }
  std::string_view span_id() const { return traceparent().substr(set_ ? 36 : 0, set_ ? 16 : 0); }

 private:
  // Frames the trace id already at text_[3..35) as a sampled version-00 traceparent with a new
  // span id.
  void start_sampled_span();
  void new_span();

  std::array<char, kLength> text_{};
  bool set_ = false;
};

}  // namespace paygate::core
