#include "observe/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace paygate::observe {
namespace {

// Indexes of the fields after the command name, so field 3 of proc(5) (the state) is index 0.
constexpr std::size_t kFirstAfterName = 3;
constexpr std::size_t kUtime = 14 - kFirstAfterName;
constexpr std::size_t kStime = 15 - kFirstAfterName;
constexpr std::size_t kStartTime = 22 - kFirstAfterName;
constexpr std::size_t kVsize = 23 - kFirstAfterName;
constexpr std::size_t kRss = 24 - kFirstAfterName;

std::vector<std::string_view> split_fields(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\n";
  std::vector<std::string_view> fields;
  std::size_t start = text.find_first_not_of(kBlanks);
  while (start != std::string_view::npos) {
    const std::size_t end = text.find_first_of(kBlanks, start);
    fields.push_back(text.substr(start, end - start));
    start = text.find_first_not_of(kBlanks, end);
  }
  return fields;
}

std::optional<double> number_at(const std::vector<std::string_view>& fields, std::size_t index) {
  if (index >= fields.size()) return std::nullopt;
  const std::string_view field = fields[index];
  std::uint64_t value = 0;
  const char* last = field.data() + field.size();
  const auto [end, ec] = std::from_chars(field.data(), last, value);
  if (ec != std::errc() || end != last) return std::nullopt;
  return static_cast<double>(value);
}

std::optional<std::string> read_text(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  return text;
}

std::optional<double> read_boot_time() {
  const auto text = read_text("/proc/stat");
  return text ? parse_boot_time(*text) : std::nullopt;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text, long ticks_per_second,
                                        long page_size) {
  // The command name (field 2) is in parentheses and may itself hold spaces and ") ".
  const std::size_t name_end = text.rfind(')');
  if (name_end == std::string_view::npos || ticks_per_second <= 0 || page_size <= 0) {
    return std::nullopt;
  }
  const auto fields = split_fields(text.substr(name_end + 1));
  const auto utime = number_at(fields, kUtime);
  const auto stime = number_at(fields, kStime);
  const auto start = number_at(fields, kStartTime);
  const auto vsize = number_at(fields, kVsize);
  const auto rss_pages = number_at(fields, kRss);
  if (!utime || !stime || !start || !vsize || !rss_pages) return std::nullopt;
  const auto ticks = static_cast<double>(ticks_per_second);
  return ProcStat{(*utime + *stime) / ticks, *start / ticks, *vsize,
                  *rss_pages * static_cast<double>(page_size)};
}

std::optional<double> parse_boot_time(std::string_view text) {
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    const std::size_t line_end = std::min(text.find('\n', line_start), text.size());
    const auto fields = split_fields(text.substr(line_start, line_end - line_start));
    if (fields.size() == 2 && fields[0] == "btime") return number_at(fields, 1);
    line_start = line_end + 1;
  }
  return std::nullopt;
}

std::optional<ProcStat> read_proc_stat() {
  const auto text = read_text("/proc/self/stat");
  if (!text) return std::nullopt;
  return parse_proc_stat(*text, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
}

std::optional<double> read_process_start_time() {
  const auto stat = read_proc_stat();
  const auto boot = read_boot_time();
  if (!stat || !boot) return std::nullopt;
  return *boot + stat->start_after_boot_seconds;
}

std::optional<std::uint64_t> count_open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  std::uint64_t count = 0;
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) ++count;
  if (ec) return std::nullopt;
  return count;
}

std::optional<std::uint64_t> max_open_fds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return std::nullopt;
  }
  return limit.rlim_cur;
}

}  // namespace paygate::observe
