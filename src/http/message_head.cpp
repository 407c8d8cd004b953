#include "http/message_head.h"

namespace paygate::http {

std::string_view HeadFields::find(Field id) const {
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == id) return fields_[i].value;
  }
  return {};
}

std::string_view HeadFields::find(std::string_view name) const {
  for (const auto& f : fields_) {
    if (core::iequals(f.name, name)) return f.value;
  }
  return {};
}

bool HeadFields::contains(Field id) const {
  for (Field f : ids_) {
    if (f == id) return true;
  }
  return false;
}

std::size_t HeadFields::count(Field id) const {
  std::size_t n = 0;
  for (Field f : ids_) n += f == id ? 1 : 0;
  return n;
}

void HeadFields::clear() {
  raw_.clear();
  offsets_.clear();
  fields_.clear();
  ids_.clear();
}

void HeadFields::record(Field id, std::size_t name_offset, std::size_t name_size,
                        std::size_t value_offset, std::size_t value_size) {
  offsets_.push_back({static_cast<std::uint32_t>(name_offset), static_cast<std::uint32_t>(name_size),
                      static_cast<std::uint32_t>(value_offset),
                      static_cast<std::uint32_t>(value_size)});
  ids_.push_back(id);
}

void HeadFields::adopt(std::string_view raw) {
  raw_.assign(raw);
  fields_.clear();
  for (const Offsets& o : offsets_) {
    fields_.push_back({std::string_view(raw_).substr(o.name_offset, o.name_size),
                       std::string_view(raw_).substr(o.value_offset, o.value_size)});
  }
}

}  // namespace paygate::http
