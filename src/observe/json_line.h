#pragma once
// The access log's JSON line, formatted with fmt into the caller's buffer (no allocation once
// the buffer has grown). Pure functions; any thread.
//
// {"time":"2024-05-01T08:00:00.123Z","request_id":"..","method":"POST","path":"/v3/pay",
//  "route":"orders","upstream":"10.0.0.7:8080","status":200,"bytes_in":312,"bytes_out":95,
//  "duration_us":1834}

#include <fmt/format.h>

#include <chrono>
#include <string_view>

#include "observe/access_record.h"

namespace paygate::observe {

// Appends one line without the trailing newline (the log adds it).
void format_access_line(fmt::memory_buffer& out, const AccessRecord& record);

// "..." with quotes, backslash and control characters escaped; bytes that are not valid UTF-8
// become U+FFFD, so the line always parses as JSON whatever a client sent.
void append_json_string(fmt::memory_buffer& out, std::string_view text);

// RFC 3339 in UTC with milliseconds: 2024-05-01T08:00:00.123Z
void append_rfc3339_millis(fmt::memory_buffer& out, std::chrono::system_clock::time_point time);

}  // namespace paygate::observe
