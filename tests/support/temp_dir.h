#pragma once
// TempDir: a fresh, empty directory of the test's own, removed with everything in it when the
// object is destroyed. Each object gets a new name (mkdtemp under the system's temporary
// directory), so tests running at once, in one process or several, never share files. The
// constructor throws std::system_error when the directory cannot be made. Not thread-safe to
// write from several threads at once; reading path() is.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace paygate::test {

class TempDir {
 public:
  // The name starts with `prefix` (for the reader of a leftover directory after a crash).
  explicit TempDir(std::string_view prefix = "paygate-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // path() / name, as a string (what most APIs under test take). Nothing is created.
  std::string file(std::string_view name) const;

  // Writes `contents` to path() / name (a relative name; missing parent directories are made),
  // replacing the file, and gives it `mode` if one is given (otherwise the umask decides, as for
  // any new file). Returns the file's path; throws std::system_error if it cannot be written.
  std::string write(std::string_view name, std::string_view contents,
                    std::optional<std::filesystem::perms> mode = std::nullopt) const;

 private:
  std::filesystem::path path_;
};

}  // namespace paygate::test
