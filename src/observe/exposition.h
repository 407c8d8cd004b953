#pragma once
// Building blocks of the Prometheus text exposition format 0.0.4, used by Registry::render().
// Pure functions on the caller's string; any thread.

#include <span>
#include <string>
#include <string_view>

namespace paygate::observe {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool is_valid_label_name(std::string_view name);

// Label values escape backslash, double quote and newline.
void append_escaped_label_value(std::string& out, std::string_view value);
// HELP text escapes backslash and newline only.
void append_escaped_help(std::string& out, std::string_view help);
// Shortest text that reads back as the same double; "+Inf", "-Inf", "NaN" for the specials.
void append_value(std::string& out, double value);
// {a="x",b="y"} or nothing when there are no labels; le, when given, is appended last.
void append_labels(std::string& out, std::span<const std::string> names,
                   std::span<const std::string> values, std::string_view le = {});

}  // namespace paygate::observe
