#include "config/file_watch.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace paygate::config {

namespace asio = boost::asio;

namespace {

// Writes finished, renames into the directory, creations (a new file), deletions and renames out
// of it (the file is gone): everything that replaces or removes a watched file. IN_MODIFY is left
// out on purpose: a file being written is judged when it is closed.
constexpr std::uint32_t kMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR;

int open_inotify() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
  return fd;
}

// "keys/a.pem" -> {"keys", "a.pem"}; "a.pem" -> {".", "a.pem"}.
std::pair<std::string, std::string> split(const std::string& file) {
  const std::filesystem::path path = std::filesystem::path(file).lexically_normal();
  std::string directory = path.parent_path().string();
  if (directory.empty()) directory = ".";
  return {std::move(directory), path.filename().string()};
}

std::int64_t nanoseconds(const timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

FileStamps stamp_files(const std::vector<std::string>& files) {
  FileStamps stamps;
  for (const auto& file : files) {
    struct stat st {};
    FileStamp stamp;
    if (::stat(file.c_str(), &st) == 0) {
      stamp = FileStamp{true,
                        static_cast<std::uint64_t>(st.st_dev),
                        static_cast<std::uint64_t>(st.st_ino),
                        static_cast<std::int64_t>(st.st_size),
                        nanoseconds(st.st_mtim),
                        nanoseconds(st.st_ctim)};
    }
    stamps.insert_or_assign(file, stamp);
  }
  return stamps;
}

FileWatch::FileWatch(asio::any_io_executor executor, std::chrono::milliseconds debounce,
                     std::function<void()> on_change)
    : inotify_(executor, open_inotify()),
      debounce_timer_(executor),
      debounce_(debounce),
      on_change_(std::move(on_change)) {
  read_events();
}

FileWatch::~FileWatch() { stop(); }

void FileWatch::stop() {
  if (stopped_) return;
  stopped_ = true;
  debounce_timer_.cancel();
  boost::system::error_code ignored;
  inotify_.close(ignored);  // drops every watch with the descriptor
  directories_.clear();
  names_.clear();
}

std::vector<std::string> FileWatch::watch(const std::vector<std::string>& files) {
  std::map<std::string, std::set<std::string, std::less<>>> wanted;
  for (const auto& file : files) {
    if (file.empty()) continue;
    auto [directory, name] = split(file);
    if (!name.empty()) wanted[directory].insert(std::move(name));
  }
  std::vector<std::string> problems;
  std::map<std::string, int> directories;
  std::map<int, std::set<std::string, std::less<>>> names;
  // Adding an already watched directory returns its existing descriptor, so the set is rebuilt
  // from scratch and only descriptors no longer wanted are removed afterwards.
  for (auto& [directory, wanted_names] : wanted) {
    const int wd = ::inotify_add_watch(inotify_.native_handle(), directory.c_str(), kMask);
    if (wd < 0) {
      std::string problem = directory;
      problem += ": cannot watch: ";
      problem += std::strerror(errno);
      problems.push_back(std::move(problem));
      continue;
    }
    directories[directory] = wd;
    names[wd].merge(wanted_names);
  }
  for (const auto& [wd, old_names] : names_) {
    if (!names.contains(wd)) ::inotify_rm_watch(inotify_.native_handle(), wd);
  }
  directories_ = std::move(directories);
  names_ = std::move(names);
  return problems;
}

std::size_t FileWatch::watched_files() const {
  std::size_t n = 0;
  for (const auto& [wd, files] : names_) n += files.size();
  return n;
}

void FileWatch::read_events() {
  inotify_.async_wait(asio::posix::stream_descriptor::wait_read,
                      [this](boost::system::error_code ec) {
                        if (ec) return;  // closed: `this` may already be gone
                        on_readable();
                      });
}

void FileWatch::on_readable() {
  // The kernel hands out whole events only; this buffer holds many of the largest.
  alignas(inotify_event) char buffer[16 * (sizeof(inotify_event) + NAME_MAX + 1)];
  for (;;) {
    const ssize_t n = ::read(inotify_.native_handle(), buffer, sizeof buffer);
    if (n <= 0) break;  // EAGAIN: drained (errors other than EINTR would repeat: wait again)
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      on_event(event->wd, event->mask, event->len > 0 ? event->name : "");
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  if (!stopped_) read_events();
}

void FileWatch::on_event(int wd, std::uint32_t mask, const char* name) {
  if (mask & IN_Q_OVERFLOW) {  // events were lost: any file may have changed
    arm_debounce();
    return;
  }
  auto watched = names_.find(wd);
  if (watched == names_.end()) return;  // a descriptor removed by watch() a moment ago
  if (mask & IN_IGNORED) {              // the directory itself went away, and its files with it
    names_.erase(watched);
    std::erase_if(directories_, [wd](const auto& entry) { return entry.second == wd; });
    arm_debounce();
    return;
  }
  if (watched->second.contains(std::string_view(name))) arm_debounce();
}

void FileWatch::arm_debounce() {
  debounce_timer_.expires_after(debounce_);  // cancels the wait of an earlier event
  debounce_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    on_change_();
  });
}

}  // namespace paygate::config
