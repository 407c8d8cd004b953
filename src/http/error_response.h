#pragma once
// Responses the gateway writes itself: every error is JSON in the WeChat Pay shape
// {"code":"...","message":"..."} with the matching status and the request id in Request-ID and
// X-Request-Id headers (docs/protocol.md §5).

#include <string>
#include <string_view>

#include "core/error.h"

namespace paygate::http {

// Appends a complete response (head and body) to `out`.
void append_error_response(std::string& out, core::ErrorKind kind, std::string_view message,
                           std::string_view request_id, bool close);

// Appends the head of a response whose body has `body_size` bytes. A HEAD request's answer is
// this head alone, its Content-Length that of the body a GET would have had (RFC 9110 9.3.2).
// `fields`: more header lines ("Name: value\r\n" each), last in the head.
void append_response_head(std::string& out, int status, std::string_view content_type,
                          std::size_t body_size, std::string_view request_id, bool close,
                          std::string_view fields = {});

// Appends a complete response with the given body; JSON bodies pass content_type
// "application/json". `fields` as above.
void append_full_response(std::string& out, int status, std::string_view content_type,
                          std::string_view body, std::string_view request_id, bool close,
                          std::string_view fields = {});

// The JSON error body alone.
void append_error_body(std::string& out, std::string_view code, std::string_view message);

}  // namespace paygate::http
