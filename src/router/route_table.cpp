#include "router/route_table.h"

#include <cassert>
#include <map>

#include "router/conditions.h"
#include "router/path_pattern.h"
#include "router/radix_tree.h"
#include "router/regex_routes.h"

namespace paygate::router {

// The table's parts; named outside RouteTable so the build helpers below can take it.
struct CompiledRoutes {
  std::vector<RouteSpec> specs;
  std::vector<Conditions> conditions;              // parallel to specs
  std::vector<std::vector<std::string>> captures;  // parallel to specs: names in path order
  RadixTree tree;
  RegexRoutes regexes;
};

struct RouteTable::Impl : CompiledRoutes {};

namespace {

std::string label(const std::vector<RouteSpec>& specs, std::size_t route) {
  const std::string& name = specs[route].name;
  return name.empty() ? "route #" + std::to_string(route) : "route \"" + name + "\"";
}

class ConditionFilter final : public RouteFilter {
 public:
  ConditionFilter(const std::vector<Conditions>& conditions, const Request& request)
      : conditions_(conditions), request_(request) {}
  bool accepts(std::size_t route) const override { return conditions_[route].holds(request_); }

 private:
  const std::vector<Conditions>& conditions_;
  const Request& request_;
};

// Collects the problems of one build, each prefixed with the route it is about.
class Problems {
 public:
  Problems(const std::vector<RouteSpec>& specs, std::vector<BuildError>& errors)
      : specs_(specs), errors_(errors), count_before_(errors.size()) {}

  void add(std::size_t route, const std::string& what) {
    errors_.push_back(BuildError{route, label(specs_, route) + ": " + what});
  }
  bool any() const { return errors_.size() > count_before_; }

 private:
  const std::vector<RouteSpec>& specs_;
  std::vector<BuildError>& errors_;
  std::size_t count_before_;
};

void check_unique_names(const std::vector<RouteSpec>& specs, Problems& problems) {
  std::map<std::string_view, std::size_t> first_use;
  for (std::size_t route = 0; route < specs.size(); ++route) {
    if (specs[route].name.empty()) continue;
    const auto [it, inserted] = first_use.emplace(specs[route].name, route);
    if (!inserted) problems.add(route, "name already used by route #" + std::to_string(it->second));
  }
}

void add_path_route(CompiledRoutes& impl, std::size_t route, Problems& problems) {
  const RouteSpec& spec = impl.specs[route];
  Compiled<PathPattern> pattern = parse_path_pattern(spec.pattern);
  if (!pattern.ok()) return problems.add(route, pattern.error);
  impl.captures[route] = pattern.value.capture_names();
  const std::size_t rank = impl.conditions[route].count();
  for (std::size_t other : impl.tree.insert(pattern.value, spec.kind, route, rank)) {
    if (impl.conditions[other] == impl.conditions[route]) {
      problems.add(route, "conflicts with " + label(impl.specs, other) +
                              ": same path, methods, hosts and headers");
    }
  }
}

void add_route(CompiledRoutes& impl, std::size_t route, Problems& problems) {
  Compiled<Conditions> conditions = Conditions::compile(impl.specs[route]);
  if (!conditions.ok()) return problems.add(route, conditions.error);
  impl.conditions[route] = std::move(conditions.value);
  if (impl.specs[route].kind != PathKind::kRegex) return add_path_route(impl, route, problems);
  const std::string error = impl.regexes.add(route, impl.specs[route].pattern);
  if (!error.empty()) problems.add(route, error);
}

}  // namespace

RouteTable::RouteTable() : impl_(std::make_unique<Impl>()) {}
RouteTable::~RouteTable() = default;

std::unique_ptr<const RouteTable> RouteTable::build(std::vector<RouteSpec> specs,
                                                    std::vector<BuildError>& errors) {
  std::unique_ptr<RouteTable> table(new RouteTable());
  Impl& impl = *table->impl_;
  impl.specs = std::move(specs);
  impl.conditions.resize(impl.specs.size());
  impl.captures.resize(impl.specs.size());
  Problems problems(impl.specs, errors);
  check_unique_names(impl.specs, problems);
  for (std::size_t route = 0; route < impl.specs.size(); ++route) add_route(impl, route, problems);
  if (problems.any()) return nullptr;
  return table;
}

bool RouteTable::match(const Request& request, Match& out) const {
  out.capture_count = 0;
  const ConditionFilter filter(impl_->conditions, request);
  TreeMatch found;
  if (!impl_->tree.find(request.path, filter, found)) {
    return impl_->regexes.find(request.path, filter, out.route);
  }
  const std::vector<std::string>& names = impl_->captures[found.route];
  assert(names.size() == found.value_count);  // a node's depth in params fixes the count
  out.route = found.route;
  for (std::size_t i = 0; i < found.value_count; ++i) {
    out.captures[i] = Capture{names[i], found.values[i]};
  }
  out.capture_count = found.value_count;
  return true;
}

const std::vector<RouteSpec>& RouteTable::specs() const { return impl_->specs; }

}  // namespace paygate::router
