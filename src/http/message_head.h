#pragma once
// RequestHead / ResponseHead: the start line and header fields of one HTTP/1.1 message, parsed
// by http::RequestParser / ResponseParser. A head owns a copy of the raw header bytes, so its
// views stay valid until the next message is parsed into it. Heads are per connection and reused:
// after warm-up, parsing allocates nothing. Owned and used by one worker thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "core/header_field.h"

namespace paygate::http {

using Field = boost::beast::http::field;
using Verb = boost::beast::http::verb;

// The header fields of a message, in order received, with views into owned bytes.
class HeadFields {
 public:
  std::span<const core::HeaderField> all() const { return fields_; }
  std::span<const Field> ids() const { return ids_; }
  // First value of a field, or empty if absent. Known fields compare by id, others by name.
  std::string_view find(Field id) const;
  std::string_view find(std::string_view name) const;
  bool contains(Field id) const;
  // How many fields with this id the message has (a repeated singleton field is ambiguous).
  std::size_t count(Field id) const;
  std::size_t size() const { return fields_.size(); }

  // Parser side: record fields as offsets into the raw bytes, then adopt() the bytes.
  void clear();
  void record(Field id, std::size_t name_offset, std::size_t name_size, std::size_t value_offset,
              std::size_t value_size);
  void adopt(std::string_view raw);  // copies the bytes and points every view into the copy
  std::string_view raw() const { return raw_; }

 private:
  struct Offsets {
    std::uint32_t name_offset, name_size, value_offset, value_size;
  };
  std::string raw_;
  std::vector<Offsets> offsets_;
  std::vector<core::HeaderField> fields_;
  std::vector<Field> ids_;
};

struct RequestHead {
  Verb method = Verb::unknown;
  std::string_view method_text;
  // The origin-form target exactly as received (of an absolute-form target, the part after the
  // authority): what a merchant signs (docs/protocol.md §1).
  std::string_view target;
  std::string_view raw_path;  // target up to '?'
  // raw_path in normal form (http/path_normaliser.h): what routes, is authorised and forwarded.
  std::string_view path;
  std::string_view query;  // after '?', empty if none
  unsigned version = 11;   // 10 or 11
  std::string_view host;   // the Host field, or the authority of an absolute-form target
  bool absolute_form = false;
  bool keep_alive = true;
  bool expect_continue = false;
  HeadFields fields;
  std::string path_storage;  // holds `path` when normalising rewrote it

  bool path_rewritten() const { return path != raw_path; }
};

struct ResponseHead {
  int status = 0;
  std::string_view reason;
  unsigned version = 11;
  bool keep_alive = true;
  HeadFields fields;
};

}  // namespace paygate::http
