#pragma once
// Profiler: gperftools behind the admin endpoints /debug/pprof/profile and /debug/pprof/heap,
// in pprof's formats (`pprof` / `google-pprof` / `go tool pprof` read them).
//   CPU   the process-wide sampling profiler (SIGPROF, 100 Hz by default): every thread.
//   heap  tcmalloc's allocation sample. Sampling is chosen when the process starts: it needs
//         TCMALLOC_SAMPLE_PARAMETER (bytes between samples, e.g. 524288) in the environment.
// Builds without gperftools (the sanitizer and fuzz builds) report it as unavailable.
// Not thread-safe: used from the admin (control) thread only. One CPU profile at a time.

#include <string>

namespace paygate::admin {

class Profiler {
 public:
  static bool available();  // this build links gperftools

  // Starts the CPU profiler into a private temporary file. False, with the reason, when
  // unavailable or when a profile is already being taken.
  bool start_cpu(std::string& reason);
  // Stops it and replaces profile with the file's bytes; false with the reason otherwise.
  bool finish_cpu(std::string& profile, std::string& reason);
  bool cpu_running() const { return !cpu_file_.empty(); }

  // Replaces profile with the current heap sample; false with the reason when unavailable or
  // when the process was started without heap sampling.
  bool heap_sample(std::string& profile, std::string& reason);

 private:
  std::string cpu_file_;  // while a CPU profile runs
};

}  // namespace paygate::admin
