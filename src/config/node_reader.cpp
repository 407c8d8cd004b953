#include "config/node_reader.h"

#include <fmt/format.h>
#include <yaml-cpp/node/impl.h>
#include <yaml-cpp/node/iterator.h>

#include <charconv>

#include "config/units.h"

namespace paygate::config {
namespace {

// What a node holds, for "expected X, got Y" messages.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "an empty value";
  }
}

std::string expected(std::string_view what, const YAML::Node& node) {
  return "expected " + std::string(what) + ", got " + describe(node);
}

template <typename T, typename Format>
std::string out_of_range(const T& value, const Range<T>& range, Format format) {
  return "must be between " + format(range.min) + " and " + format(range.max) + ", got " +
         format(value);
}

std::string join(const std::vector<std::string_view>& names) {
  std::string text;
  for (auto name : names) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

}  // namespace

std::optional<std::string> read_string(const YAML::Node& node, const Where& where,
                                       Diagnostics& diagnostics) {
  if (node.IsScalar()) return node.Scalar();
  diagnostics.add(where, expected("a string", node));
  return std::nullopt;
}

std::optional<std::uint64_t> read_count(const YAML::Node& node, const Where& where,
                                        Diagnostics& diagnostics, CountRange range) {
  std::uint64_t value = 0;
  const std::string text = node.IsScalar() ? node.Scalar() : std::string();
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (!node.IsScalar() || text.empty() || ec != std::errc{} || stop != end) {
    diagnostics.add(where, expected("a whole number", node));
    return std::nullopt;
  }
  if (value < range.min || value > range.max) {
    auto as_text = [](std::uint64_t n) { return std::to_string(n); };
    diagnostics.add(where, out_of_range(value, range, as_text));
    return std::nullopt;
  }
  return value;
}

MapReader::MapReader(const YAML::Node& node, Where where, Diagnostics& diagnostics)
    : where_(std::move(where)), diagnostics_(diagnostics) {
  is_map_ = node.IsMap() || node.IsNull() || !node.IsDefined();
  if (node.IsMap()) index_entries(node);
}

void MapReader::index_entries(const YAML::Node& node) {
  for (const auto& pair : node) {
    Where key_where = where_at(pair.first.Mark(), where_.path);
    if (!pair.first.IsScalar()) {
      diagnostics_.add(key_where, "keys must be plain strings, got " + describe(pair.first));
      continue;
    }
    key_where.path = join_path(where_.path, pair.first.Scalar());
    if (const Entry* first = find(pair.first.Scalar())) {
      diagnostics_.add(key_where, "duplicate key (first at line " +
                                      std::to_string(first->where.line) + ")");
      continue;
    }
    entries_.push_back(Entry{pair.first.Scalar(), pair.second, std::move(key_where)});
  }
}

const MapReader::Entry* MapReader::find(std::string_view key) {
  for (const auto& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

Where MapReader::value_where(const Entry& entry) const {
  Where where = where_at(entry.value.Mark(), entry.where.path);
  // A null value has no mark of its own; point at the key instead.
  if (where.line == 0) where = entry.where;
  return where;
}

Where MapReader::where_of(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return value_where(entry);
  }
  return Where{where_.line, where_.column, join_path(where_.path, key)};
}

bool MapReader::has(std::string_view key) {
  if (std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) {
    allowed_.emplace_back(key);
  }
  return find(key) != nullptr;
}

void MapReader::require(std::string_view key) {
  if (!has(key)) diagnostics_.add(where_of(key), "missing required key '" + std::string(key) + "'");
}

std::optional<std::string> MapReader::scalar(std::string_view key) {
  if (!has(key)) return std::nullopt;
  const Entry& entry = *find(key);
  return read_string(entry.value, value_where(entry), diagnostics_);
}

void MapReader::duration(std::string_view key, std::chrono::milliseconds& out,
                         DurationRange range) {
  std::optional<std::chrono::milliseconds> value;
  duration(key, value, range);
  if (value) out = *value;
}

void MapReader::duration(std::string_view key, std::optional<std::chrono::milliseconds>& out,
                         DurationRange range) {
  if (!has(key)) return;
  const Entry& entry = *find(key);
  auto value = entry.value.IsScalar() ? parse_duration(entry.value.Scalar()) : std::nullopt;
  if (!value) {
    diagnostics_.add(value_where(entry), expected("a duration like 250ms, 10s, 5m or 1h",
                                                  entry.value));
  } else if (*value < range.min || *value > range.max) {
    diagnostics_.add(value_where(entry), out_of_range(*value, range, format_duration));
  } else {
    out = *value;
  }
}

void MapReader::size(std::string_view key, std::size_t& out, SizeRange range) {
  if (!has(key)) return;
  const Entry& entry = *find(key);
  auto value = entry.value.IsScalar() ? parse_size(entry.value.Scalar()) : std::nullopt;
  if (!value) {
    diagnostics_.add(value_where(entry),
                     expected("a size like 512, 100B, 8KiB, 1MiB or 2GiB", entry.value));
  } else if (*value < range.min || *value > range.max) {
    diagnostics_.add(value_where(entry), out_of_range(*value, range, format_size));
  } else {
    out = *value;
  }
}

void MapReader::percent(std::string_view key, double& fraction, Range<double> percent) {
  if (!has(key)) return;
  const Entry& entry = *find(key);
  auto value = entry.value.IsScalar() ? parse_percent(entry.value.Scalar()) : std::nullopt;
  auto as_text = [](double p) { return format_percent(p / 100); };
  if (!value) {
    diagnostics_.add(value_where(entry), expected("a percentage like 20%", entry.value));
  } else if (*value < percent.min || *value > percent.max) {
    diagnostics_.add(value_where(entry), out_of_range(*value, percent, as_text));
  } else {
    fraction = *value / 100;
  }
}

void MapReader::number(std::string_view key, double& out, Range<double> range) {
  if (!has(key)) return;
  const Entry& entry = *find(key);
  std::optional<double> value;
  if (entry.value.IsScalar()) {
    const std::string& text = entry.value.Scalar();
    double parsed = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc{} && end == text.data() + text.size()) value = parsed;
  }
  auto as_text = [](double v) { return fmt::format("{:g}", v); };
  if (!value) {
    diagnostics_.add(value_where(entry), expected("a number like 1.5", entry.value));
  } else if (*value < range.min || *value > range.max) {
    diagnostics_.add(value_where(entry), out_of_range(*value, range, as_text));
  } else {
    out = *value;
  }
}

void MapReader::string(std::string_view key, std::string& out) {
  if (auto value = scalar(key)) out = std::move(*value);
}

void MapReader::boolean(std::string_view key, bool& out) {
  if (!has(key)) return;
  const Entry& entry = *find(key);
  const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  if (text == "true" || text == "false") {
    out = text == "true";
  } else {
    diagnostics_.add(value_where(entry), expected("true or false", entry.value));
  }
}

void MapReader::strings(std::string_view key, std::vector<std::string>& out) {
  sequence(key, [&](const YAML::Node& item, const Where& where) {
    if (auto value = read_string(item, where, diagnostics_)) out.push_back(std::move(*value));
  });
}

std::optional<std::uint64_t> MapReader::count_value(std::string_view key, CountRange range) {
  if (!has(key)) return std::nullopt;
  const Entry& entry = *find(key);
  return read_count(entry.value, value_where(entry), diagnostics_, range);
}

std::optional<std::size_t> MapReader::choice_index(std::string_view key,
                                                   const std::vector<std::string_view>& names) {
  if (!has(key)) return std::nullopt;
  const Entry& entry = *find(key);
  const std::string text = entry.value.IsScalar() ? entry.value.Scalar() : std::string();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (text == names[i]) return i;
  }
  diagnostics_.add(value_where(entry), expected("one of " + join(names), entry.value));
  return std::nullopt;
}

void MapReader::mapping(std::string_view key, const std::function<void(MapReader&)>& read_fields) {
  if (!has(key)) return;
  const Entry& entry = *find(key);
  read_map(entry.value, value_where(entry), diagnostics_, read_fields);
}

void MapReader::sequence(std::string_view key,
                         const std::function<void(const YAML::Node&, const Where&)>& read_item) {
  if (!has(key)) return;
  const Entry& entry = *find(key);
  if (entry.value.IsNull()) return;
  if (!entry.value.IsSequence()) {
    diagnostics_.add(value_where(entry), expected("a sequence", entry.value));
    return;
  }
  std::size_t index = 0;
  for (const YAML::Node& item : entry.value) {
    std::string path = entry.where.path + "[" + std::to_string(index++) + "]";
    read_item(item, where_at(item.Mark(), std::move(path)));
  }
}

void MapReader::finish() {
  if (!is_map_) return;
  std::vector<std::string_view> allowed(allowed_.begin(), allowed_.end());
  for (const auto& entry : entries_) {
    if (std::find(allowed_.begin(), allowed_.end(), entry.key) != allowed_.end()) continue;
    diagnostics_.add(entry.where,
                     "unknown key '" + entry.key + "' (allowed: " + join(allowed) + ")");
  }
}

void read_map(const YAML::Node& node, const Where& where, Diagnostics& diagnostics,
              const std::function<void(MapReader&)>& read_fields) {
  MapReader reader(node, where, diagnostics);
  if (!node.IsMap() && !node.IsNull() && node.IsDefined()) {
    diagnostics.add(where, expected("a mapping", node));
    return;
  }
  read_fields(reader);
  reader.finish();
}

}  // namespace paygate::config
