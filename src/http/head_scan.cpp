#include "http/head_scan.h"

namespace paygate::http {

namespace {

// Leading empty lines before a start line are ignored (RFC 9112 section 2.2).
std::size_t skip_leading_crlf(std::string_view b) {
  std::size_t i = 0;
  while (i + 1 < b.size() && b[i] == '\r' && b[i + 1] == '\n') i += 2;
  return i;
}

HeadVerdict too_large_or_incomplete(std::size_t seen, const HeadScanLimits& limits) {
  return seen > limits.max_head_bytes ? HeadVerdict::kHeaderTooLarge : HeadVerdict::kIncomplete;
}

}  // namespace

HeadScan scan_head(std::string_view b, const HeadScanLimits& limits) {
  const std::size_t start = skip_leading_crlf(b);
  std::size_t line_start = start;
  std::size_t lines = 0;  // complete lines seen, the start line included
  for (std::size_t i = start; i < b.size(); ++i) {
    const char c = b[i];
    if (c == '\0') return {HeadVerdict::kNul};
    if (c == '\r') {
      if (i + 1 == b.size()) break;  // the LF may still come
      if (b[i + 1] != '\n') return {HeadVerdict::kBareCr};
      continue;
    }
    if (c != '\n') {
      if (lines == 0 && i - start >= limits.max_start_line) return {HeadVerdict::kStartLineTooLong};
      continue;
    }
    if (i == start || b[i - 1] != '\r') return {HeadVerdict::kBareLf};
    const std::size_t line_size = i - 1 - line_start;
    if (line_size == 0 && lines > 0) {
      if (i + 1 > limits.max_head_bytes) return {HeadVerdict::kHeaderTooLarge};
      return {HeadVerdict::kComplete, i + 1};
    }
    if (lines > 0 && (b[line_start] == ' ' || b[line_start] == '\t')) return {HeadVerdict::kObsFold};
    if (lines > limits.max_fields) return {HeadVerdict::kTooManyFields};
    ++lines;
    line_start = i + 1;
  }
  if (lines > 0 && line_start < b.size() && (b[line_start] == ' ' || b[line_start] == '\t')) {
    return {HeadVerdict::kObsFold};
  }
  return {too_large_or_incomplete(b.size(), limits)};
}

const char* to_string(HeadVerdict verdict) {
  switch (verdict) {
    case HeadVerdict::kIncomplete: return "incomplete header";
    case HeadVerdict::kComplete: return "complete";
    case HeadVerdict::kStartLineTooLong: return "start line too long";
    case HeadVerdict::kHeaderTooLarge: return "header too large";
    case HeadVerdict::kTooManyFields: return "too many header fields";
    case HeadVerdict::kBareCr: return "bare CR in header";
    case HeadVerdict::kBareLf: return "bare LF in header";
    case HeadVerdict::kObsFold: return "obsolete line folding in header";
    case HeadVerdict::kNul: return "NUL in header";
  }
  return "?";
}

}  // namespace paygate::http
