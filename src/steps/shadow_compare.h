#pragma once
// How a shadow's answer is compared with the primary's (routes[].mirror, steps/mirror.h): the
// status, the header fields that say how to read the body (kComparedFields; not Date, Server,
// request ids, Wechatpay-* signatures or Content-Length, which differ between any two answers), and
// the body. Bodies that both parse as JSON compare canonically: object members in any order, after
// the configured RFC 6901 pointers (compare.ignore: /create_time, /transaction_id) are removed from
// both; numbers compare as parsed (1 and 1.0 differ), arrays in order. Any other body compares
// byte for byte. Pure functions; any thread.

#include <array>
#include <boost/json/parser.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>

#include "steps/settings.h"

namespace paygate::steps {

inline constexpr std::array<std::string_view, 2> kComparedFields{"Content-Type",
                                                                 "Content-Encoding"};

// One answer as compared: `fields` holds the values of kComparedFields, in that order ("" when
// absent).
struct ComparedAnswer {
  int status = 0;
  std::span<const std::string, kComparedFields.size()> fields;
  std::string_view body;
};

// Parses the bodies: a json::parser reused from one comparison to the next keeps its buffers, and
// the values go into `storage` (a worker's reusable arena), so that a warm comparison of small
// bodies allocates nothing. One per thread.
struct JsonReader {
  boost::json::parser parser;
  boost::json::storage_ptr storage;
};

// Whether the two answers agree.
bool same_answer(const ComparedAnswer& primary, const ComparedAnswer& shadow,
                 std::span<const std::string> ignore, JsonReader& reader);

// Whether two bodies agree, by the rules above.
bool same_body(std::string_view a, std::string_view b, std::span<const std::string> ignore,
               JsonReader& reader);

// Removes what each pointer points at (an object member or an array element); pointers that
// point at nothing are skipped. Pointers are checked with is_removable_pointer()
// (steps/settings.h) first.
void remove_pointers(boost::json::value& value, std::span<const std::string> pointers);

}  // namespace paygate::steps
