#include "router/radix_tree.h"

#include <algorithm>
#include <string>

namespace paygate::router {

namespace {

constexpr std::size_t kEnd = std::string_view::npos;  // no segment left in the path

struct SlotEntry {
  std::size_t route = 0;
  std::size_t rank = 0;
};

using Slot = std::vector<SlotEntry>;

// Keeps the slot ordered by rank, higher first, equal ranks in insertion order.
void add_to_slot(Slot& slot, SlotEntry entry) {
  const auto after =
      std::upper_bound(slot.begin(), slot.end(), entry,
                       [](const SlotEntry& a, const SlotEntry& b) { return a.rank > b.rank; });
  slot.insert(after, entry);
}

const SlotEntry* first_accepted(const Slot& slot, const RouteFilter& filter) {
  for (const SlotEntry& entry : slot) {
    if (filter.accepts(entry.route)) return &entry;
  }
  return nullptr;
}

}  // namespace

struct RadixTree::Node {
  struct Edge {
    std::string label;
    std::unique_ptr<Node> child;
  };

  std::vector<Edge> literals;  // sorted by label
  std::unique_ptr<Node> param;
  Slot templates;
  Slot open_prefixes;   // "/a": match when the path reaches this node
  Slot slash_prefixes;  // "/a/": match when the path goes on past this node

  const Node* literal_child(std::string_view label) const {
    const auto edge = lower_bound(label);
    return edge != literals.end() && edge->label == label ? edge->child.get() : nullptr;
  }

  Node& literal_child_for_insert(std::string_view label) {
    auto edge = lower_bound(label);
    if (edge == literals.end() || edge->label != label) {
      edge = literals.insert(edge, Edge{std::string(label), std::make_unique<Node>()});
    }
    return *edge->child;
  }

  Node& param_child_for_insert() {
    if (!param) param = std::make_unique<Node>();
    return *param;
  }

 private:
  std::vector<Edge>::const_iterator lower_bound(std::string_view label) const {
    return std::lower_bound(literals.begin(), literals.end(), label,
                            [](const Edge& edge, std::string_view l) { return edge.label < l; });
  }
  std::vector<Edge>::iterator lower_bound(std::string_view label) {
    return std::lower_bound(literals.begin(), literals.end(), label,
                            [](const Edge& edge, std::string_view l) { return edge.label < l; });
  }
};

namespace {

using Node = RadixTree::Node;

// One find(): the captures on the current branch and the best prefix seen so far.
class Walk {
 public:
  Walk(std::string_view path, const RouteFilter& filter) : path_(path), filter_(filter) {}

  // `next` is where the next segment starts, or kEnd when the path ends at `node`.
  bool descend(const Node& node, std::size_t next, std::size_t depth, std::size_t captured);

  bool take_best_prefix(TreeMatch& out) const {
    if (!prefix_found_) return false;
    out = prefix_;
    return true;
  }

  const TreeMatch& exact() const { return exact_; }

 private:
  void consider_prefixes(const Node& node, bool more, std::size_t depth, std::size_t captured);
  // The earlier (literal) branch keeps ties, so only a strictly deeper prefix replaces it.
  bool beats_best_prefix(std::size_t score) const {
    return !prefix_found_ || score > prefix_score_;
  }
  void keep_prefix(const SlotEntry& entry, std::size_t score, std::size_t captured);
  bool take_template(const Node& node, std::size_t captured);

  std::string_view path_;
  const RouteFilter& filter_;
  std::array<std::string_view, kMaxCaptures> values_{};
  TreeMatch exact_;
  TreeMatch prefix_;
  std::size_t prefix_score_ = 0;
  bool prefix_found_ = false;
};

bool Walk::descend(const Node& node, std::size_t next, std::size_t depth, std::size_t captured) {
  const bool more = next != kEnd;
  consider_prefixes(node, more, depth, captured);
  if (!more) return take_template(node, captured);

  const std::size_t slash = path_.find('/', next);
  const std::string_view segment = path_.substr(next, slash == kEnd ? kEnd : slash - next);
  const std::size_t after = slash == kEnd ? kEnd : slash + 1;
  const Node* literal = node.literal_child(segment);
  if (literal != nullptr && descend(*literal, after, depth + 1, captured)) return true;
  if (!node.param || segment.empty() || captured == kMaxCaptures) return false;
  values_[captured] = segment;
  return descend(*node.param, after, depth + 1, captured + 1);
}

// Prefix scores: a slash prefix at depth d (2d+1) is deeper than an open one at d (2d) and
// shallower than an open one at d+1 (2d+2).
void Walk::consider_prefixes(const Node& node, bool more, std::size_t depth, std::size_t captured) {
  if (more && beats_best_prefix(2 * depth + 1)) {
    if (const SlotEntry* entry = first_accepted(node.slash_prefixes, filter_)) {
      keep_prefix(*entry, 2 * depth + 1, captured);
      return;
    }
  }
  if (!beats_best_prefix(2 * depth)) return;
  if (const SlotEntry* entry = first_accepted(node.open_prefixes, filter_)) {
    keep_prefix(*entry, 2 * depth, captured);
  }
}

void Walk::keep_prefix(const SlotEntry& entry, std::size_t score, std::size_t captured) {
  prefix_found_ = true;
  prefix_score_ = score;
  prefix_.route = entry.route;
  std::copy_n(values_.begin(), captured, prefix_.values.begin());
  prefix_.value_count = captured;
}

bool Walk::take_template(const Node& node, std::size_t captured) {
  const SlotEntry* entry = first_accepted(node.templates, filter_);
  if (entry == nullptr) return false;
  exact_.route = entry->route;
  std::copy_n(values_.begin(), captured, exact_.values.begin());
  exact_.value_count = captured;
  return true;
}

}  // namespace

RadixTree::RadixTree() : root_(std::make_unique<Node>()) {}
RadixTree::~RadixTree() = default;
RadixTree::RadixTree(RadixTree&&) noexcept = default;
RadixTree& RadixTree::operator=(RadixTree&&) noexcept = default;

std::vector<std::size_t> RadixTree::insert(const PathPattern& pattern, PathKind kind,
                                           std::size_t route, std::size_t rank) {
  Node* node = root_.get();
  for (const PatternSegment& segment : pattern.segments) {
    node = segment.is_param ? &node->param_child_for_insert()
                            : &node->literal_child_for_insert(segment.text);
  }
  const bool is_template = kind == PathKind::kTemplate;
  // A template's trailing slash is one more, empty, segment: "/a/" is reached by "a" then "".
  if (is_template && pattern.trailing_slash) node = &node->literal_child_for_insert("");
  Slot& slot = is_template              ? node->templates
               : pattern.trailing_slash ? node->slash_prefixes
                                        : node->open_prefixes;
  std::vector<std::size_t> already;
  for (const SlotEntry& entry : slot) already.push_back(entry.route);
  add_to_slot(slot, SlotEntry{route, rank});
  return already;
}

bool RadixTree::find(std::string_view path, const RouteFilter& filter, TreeMatch& out) const {
  if (path.empty() || path.front() != '/') return false;
  Walk walk(path, filter);
  if (walk.descend(*root_, 1, 0, 0)) {
    out = walk.exact();
    return true;
  }
  return walk.take_best_prefix(out);
}

}  // namespace paygate::router
