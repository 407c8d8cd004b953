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

// request-line = method SP request-target SP HTTP-version (RFC 9112 section 3); a target holds
// no SP, so the version is what follows a second SP. HTTP-version = "HTTP/" DIGIT "." DIGIT; a
// malformed one is left to the parser (400).
HeadVerdict check_request_line(std::string_view line) {
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  const std::string_view version = line.substr(last + 1);
  if (first == last || !version.starts_with("HTTP/")) return HeadVerdict::kNoHttpVersion;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool well_formed =
      version.size() == 8 && digit(version[5]) && version[6] == '.' && digit(version[7]);
  if (well_formed && version != "HTTP/1.0" && version != "HTTP/1.1") {
    return HeadVerdict::kUnsupportedVersion;
  }
  return HeadVerdict::kIncomplete;
}

}  // namespace

HeadScan scan_head(std::string_view b, const HeadScanLimits& limits, StartLine start_line) {
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
    if (lines == 0 && start_line == StartLine::kRequest) {
      const HeadVerdict verdict = check_request_line(b.substr(line_start, line_size));
      if (verdict != HeadVerdict::kIncomplete) return {verdict};
    }
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
    case HeadVerdict::kNoHttpVersion: return "request line without an HTTP version";
    case HeadVerdict::kUnsupportedVersion: return "HTTP version not supported";
  }
  return "?";
}

}  // namespace paygate::http
