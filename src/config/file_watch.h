#pragma once
// FileWatch: tells the control thread that one of a set of files changed, through Linux inotify
// read by Asio (no thread of its own). Editors and deploy tools replace a file by writing a
// temporary one and renaming it over, which a watch on the file itself would miss (the watch
// follows the old inode), so FileWatch watches each file's parent DIRECTORY for
// IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM and keeps only events
// whose name is one of the watched files. Events are coalesced: the callback runs once,
// `debounce` after the last relevant event of a burst.
//
// Created, used and destroyed on the thread that runs `executor` (the gateway's control thread);
// the callback runs there too. Owns its inotify descriptor and timer; a directory deleted and
// recreated is no longer watched until the next watch() call. Symbolic links are not followed
// (a Kubernetes-style `..data` swap is not seen: send SIGHUP).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace paygate::config {

// FileStamp: what stat() says of a file (following links): enough to tell a rewritten or
// replaced file from the one read before, without reading it. Plain value.
struct FileStamp {
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t modified_ns = 0;  // st_mtim
  std::int64_t changed_ns = 0;   // st_ctim: also moves on a rename over the same size and mtime
  bool operator==(const FileStamp&) const = default;
};
using FileStamps = std::map<std::string, FileStamp, std::less<>>;

// Stamps every file of `files` (a missing one is {exists = false}). Blocks on stat().
FileStamps stamp_files(const std::vector<std::string>& files);

class FileWatch {
 public:
  // Throws std::system_error when inotify is unavailable (out of instances): the caller decides
  // whether that stops the start.
  FileWatch(boost::asio::any_io_executor executor, std::chrono::milliseconds debounce,
            std::function<void()> on_change);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Replaces the watched set with `files` (paths as the config names them; duplicates and empty
  // strings are ignored). Returns one message per directory that could not be watched.
  std::vector<std::string> watch(const std::vector<std::string>& files);
  void set_debounce(std::chrono::milliseconds debounce) { debounce_ = debounce; }
  // Stops reading and cancels a pending callback; watch() is not called after this.
  void stop();

  std::size_t watched_files() const;
  std::size_t watched_directories() const { return directories_.size(); }

 private:
  void read_events();
  void on_readable();
  void on_event(int wd, std::uint32_t mask, const char* name);
  void arm_debounce();

  boost::asio::posix::stream_descriptor inotify_;
  boost::asio::steady_timer debounce_timer_;
  std::chrono::milliseconds debounce_;
  std::function<void()> on_change_;
  std::map<std::string, int> directories_;                   // directory -> watch descriptor
  std::map<int, std::set<std::string, std::less<>>> names_;  // watch descriptor -> file names
  bool stopped_ = false;
};

}  // namespace paygate::config
