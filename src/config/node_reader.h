#pragma once
// MapReader: reads one YAML mapping as a list of typed fields, so that a section parser reads
// like its schema. Every read names a key it accepts; a wrong type, a malformed duration or size,
// or an out-of-range value is reported to Diagnostics with the key's path and position, and the
// output is left at its default. read_map() then reports duplicate keys and every key that no
// read asked for, listing the allowed ones.
// Lives for one load; single thread. Nodes are held by value (yaml-cpp nodes are handles).

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/node/node.h>

#include "config/diagnostics.h"

namespace paygate::config {

template <typename T>
struct Range {
  T min;
  T max;
};

using DurationRange = Range<std::chrono::milliseconds>;
using SizeRange = Range<std::size_t>;
using CountRange = Range<std::uint64_t>;

// Scalar readers for a node that is not a map value (a sequence item, for instance). They report
// to `diagnostics` and return nullopt on any problem.
std::optional<std::string> read_string(const YAML::Node& node, const Where& where,
                                       Diagnostics& diagnostics);
std::optional<std::uint64_t> read_count(const YAML::Node& node, const Where& where,
                                        Diagnostics& diagnostics, CountRange range);

class MapReader {
 public:
  MapReader(const YAML::Node& node, Where where, Diagnostics& diagnostics);

  const Where& where() const { return where_; }
  Diagnostics& diagnostics() { return diagnostics_; }
  // Where the value of `key` is, or where the map is when the key is absent.
  Where where_of(std::string_view key) const;
  // Marks `key` as allowed; true when it is present.
  bool has(std::string_view key);
  // Reports a missing key; the other readers treat every key as optional.
  void require(std::string_view key);

  void duration(std::string_view key, std::chrono::milliseconds& out, DurationRange range);
  void duration(std::string_view key, std::optional<std::chrono::milliseconds>& out,
                DurationRange range);
  void size(std::string_view key, std::size_t& out, SizeRange range);
  // "20%" or "20" within `percent` (in percent); `fraction` gets it divided by 100.
  void percent(std::string_view key, double& fraction, Range<double> percent);
  // A plain decimal number ("1.5") within `range`.
  void number(std::string_view key, double& out, Range<double> range);
  void string(std::string_view key, std::string& out);
  void boolean(std::string_view key, bool& out);
  void strings(std::string_view key, std::vector<std::string>& out);

  template <std::unsigned_integral T>
  void count(std::string_view key, T& out, CountRange range) {
    range.max = std::min<std::uint64_t>(range.max, std::numeric_limits<T>::max());
    if (auto value = count_value(key, range)) out = static_cast<T>(*value);
  }

  template <typename E>
  void choice(std::string_view key, E& out,
              std::initializer_list<std::pair<std::string_view, E>> choices) {
    std::vector<std::string_view> names;
    for (const auto& choice : choices) names.push_back(choice.first);
    if (auto index = choice_index(key, names)) out = choices.begin()[*index].second;
  }

  // A nested mapping; an absent or null value reads as an empty one (all defaults).
  void mapping(std::string_view key, const std::function<void(MapReader&)>& read_fields);
  // A sequence; `read_item` gets each item with its Where ("clusters[3]").
  void sequence(std::string_view key,
                const std::function<void(const YAML::Node&, const Where&)>& read_item);

  // Reports duplicate and unknown keys. Called by read_map().
  void finish();

 private:
  struct Entry {
    std::string key;
    YAML::Node value;
    Where where;
  };

  const Entry* find(std::string_view key);
  Where value_where(const Entry& entry) const;
  std::optional<std::string> scalar(std::string_view key);
  std::optional<std::uint64_t> count_value(std::string_view key, CountRange range);
  std::optional<std::size_t> choice_index(std::string_view key,
                                          const std::vector<std::string_view>& names);
  void index_entries(const YAML::Node& node);

  Where where_;
  Diagnostics& diagnostics_;
  std::vector<Entry> entries_;
  std::vector<std::string> allowed_;
  bool is_map_ = false;
};

// Reads `node` as a mapping with `read_fields`, then reports duplicate and unknown keys. A null
// node is an empty mapping; any other non-mapping is reported and `read_fields` is not called.
void read_map(const YAML::Node& node, const Where& where, Diagnostics& diagnostics,
              const std::function<void(MapReader&)>& read_fields);

}  // namespace paygate::config
