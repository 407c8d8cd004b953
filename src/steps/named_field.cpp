#include "steps/named_field.h"

#include "core/header_field.h"

namespace paygate::steps {

NamedField find_named_field(const http::HeadFields& fields, std::string_view name) {
  NamedField found;
  for (const core::HeaderField& field : fields.all()) {
    if (!core::iequals(field.name, name)) continue;
    found.value = field.value;
    ++found.count;
  }
  return found;
}

}  // namespace paygate::steps
