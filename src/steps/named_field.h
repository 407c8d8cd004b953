#pragma once
// A request field the gateway's own steps read by name, in any case (the X-Pay-* fields an app
// sends its merchant gateway): its value and how many times it appears, so that a step can
// refuse a field sent twice as ambiguous.

#include <cstddef>
#include <string_view>

#include "http/message_head.h"

namespace paygate::steps {

struct NamedField {
  std::string_view value;  // of its last appearance; empty when absent
  std::size_t count = 0;
};

NamedField find_named_field(const http::HeadFields& fields, std::string_view name);

}  // namespace paygate::steps
