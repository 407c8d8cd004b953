#pragma once
// The standard Prometheus process_* values of this process, read from Linux's /proc/self.
// The parse_* functions are pure (they take the text of a /proc file); the read_* and
// count_* functions do the I/O. Nothing here throws: a value that cannot be read or parsed is
// std::nullopt, so a scrape skips that sample. Any thread.

#include <cstdint>
#include <optional>
#include <string_view>

namespace paygate::observe {

// The fields of /proc/self/stat the process_* metrics need, in their Prometheus units.
struct ProcStat {
  double cpu_seconds = 0;               // user + system time
  double start_after_boot_seconds = 0;  // when the process started, counted from boot
  double virtual_memory_bytes = 0;
  double resident_memory_bytes = 0;
};

// `text`: the contents of /proc/<pid>/stat; ticks_per_second: sysconf(_SC_CLK_TCK);
// page_size: sysconf(_SC_PAGESIZE). nullopt when the text is not such a line.
std::optional<ProcStat> parse_proc_stat(std::string_view text, long ticks_per_second,
                                        long page_size);

// The boot time, seconds since the Unix epoch, from the `btime` line of /proc/stat.
std::optional<double> parse_boot_time(std::string_view text);

std::optional<ProcStat> read_proc_stat();

// Seconds since the Unix epoch at which this process started, as the kernel recorded it.
std::optional<double> read_process_start_time();

// Entries of /proc/self/fd: the descriptors open now.
std::optional<std::uint64_t> count_open_fds();

// The soft RLIMIT_NOFILE; nullopt when unlimited.
std::optional<std::uint64_t> max_open_fds();

}  // namespace paygate::observe
