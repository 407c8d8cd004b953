#pragma once
// Serialisation helpers for HTTP/1.1 heads and chunked framing, appending to a reusable buffer.
// Also the hop-by-hop rules a proxy applies when it forwards a head (RFC 9110 section 7.6.1).

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "http/message_head.h"

namespace paygate::http {

std::string_view reason_phrase(int status);

void append_status_line(std::string& out, int status);
void append_request_line(std::string& out, std::string_view method, std::string_view target);
void append_field(std::string& out, std::string_view name, std::string_view value);
void append_decimal(std::string& out, std::uint64_t value);
void append_content_length(std::string& out, std::uint64_t length);
void end_head(std::string& out);  // the empty line

// Chunked framing: one chunk for `data` (nothing for empty data), and the final empty chunk.
void append_chunk(std::string& out, std::string_view data);
void append_last_chunk(std::string& out);

// Fields a proxy must not forward: hop-by-hop ones, framing we re-create, and any field the
// message's own Connection header names.
bool is_hop_by_hop(Field id, std::string_view name, std::string_view connection_value);

// Appends every forwardable field of `fields`, except those named in `replaced` (fields the
// caller writes itself, e.g. Via) and, when `replaced_prefix` is not empty, those whose name
// starts with it (a family of fields the caller writes itself). Names compare as a backend might
// read them (core::field_names_collide), so "X_Pay_Mchid" is dropped with "X-Pay-Mchid".
void append_end_to_end_fields(std::string& out, const HeadFields& fields,
                              std::span<const std::string_view> replaced,
                              std::string_view replaced_prefix);
void append_end_to_end_fields(std::string& out, const HeadFields& fields,
                              std::initializer_list<std::string_view> replaced = {},
                              std::string_view replaced_prefix = {});

// Appends "name: prior, added" (or "name: added" when there was no prior value): list fields a
// proxy extends, like Via and X-Forwarded-For.
void append_list_field(std::string& out, std::string_view name, std::string_view prior,
                       std::string_view added);

}  // namespace paygate::http
