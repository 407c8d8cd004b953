#include "admin/profiler.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#ifdef PAYGATE_GPERFTOOLS
#include <gperftools/malloc_extension.h>
#include <gperftools/profiler.h>
#endif

namespace paygate::admin {

namespace {

constexpr const char* kNotLinked =
    "profiling is not available in this build (sanitizer builds have no gperftools)";

#ifdef PAYGATE_GPERFTOOLS
// A fresh, private file for the profiler to write (mkstemp: no name another user can predict).
std::string temporary_file(std::string& reason) {
  std::string name = (std::filesystem::temp_directory_path() / "paygate-cpu-XXXXXX").string();
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    reason = "cannot create a temporary file for the profile";
    return {};
  }
  ::close(fd);
  return name;
}

bool heap_sampling_on() {
  const char* parameter = std::getenv("TCMALLOC_SAMPLE_PARAMETER");
  return parameter != nullptr && std::strtoll(parameter, nullptr, 10) > 0;
}
#endif

}  // namespace

#ifdef PAYGATE_GPERFTOOLS

bool Profiler::available() { return true; }

bool Profiler::start_cpu(std::string& reason) {
  if (cpu_running()) {
    reason = "a CPU profile is already being taken";
    return false;
  }
  std::string file = temporary_file(reason);
  if (file.empty()) return false;
  if (ProfilerStart(file.c_str()) == 0) {
    std::filesystem::remove(file);
    reason = "the CPU profiler did not start (already started through CPUPROFILE?)";
    return false;
  }
  cpu_file_ = std::move(file);
  return true;
}

bool Profiler::finish_cpu(std::string& profile, std::string& reason) {
  if (!cpu_running()) {
    reason = "no CPU profile is being taken";
    return false;
  }
  ProfilerStop();
  const std::string file = std::exchange(cpu_file_, {});
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  if (!in) {
    reason = "the profile could not be read back";
    return false;
  }
  profile = bytes.str();
  return true;
}

bool Profiler::heap_sample(std::string& profile, std::string& reason) {
  if (!heap_sampling_on()) {
    reason =
        "heap sampling is off: start paygate with TCMALLOC_SAMPLE_PARAMETER=524288 (bytes "
        "between samples) in its environment";
    return false;
  }
  profile.clear();
  MallocExtension::instance()->GetHeapSample(&profile);
  return true;
}

#else

bool Profiler::available() { return false; }

bool Profiler::start_cpu(std::string& reason) {
  reason = kNotLinked;
  return false;
}

bool Profiler::finish_cpu(std::string&, std::string& reason) {
  reason = kNotLinked;
  return false;
}

bool Profiler::heap_sample(std::string&, std::string& reason) {
  reason = kNotLinked;
  return false;
}

#endif

}  // namespace paygate::admin
