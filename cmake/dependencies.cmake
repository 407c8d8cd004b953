# Every library comes from Debian's archive (DESIGN.md section 5).
find_package(Threads REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)
if(PAYGATE_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PAYGATE_BENCH)
  find_package(benchmark REQUIRED)
endif()

# Asio/Beast configuration shared by every target.
add_library(paygate_boost INTERFACE)
target_link_libraries(paygate_boost INTERFACE Boost::headers Boost::json Boost::url Threads::Threads)
target_compile_definitions(paygate_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_BOOST_COROUTINE
  # Coroutine frames and handlers come from a per-thread recycling cache; the default of 2 blocks
  # misses on every request of a proxy (connection, forwarder and I/O frames are alive at once).
  BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=16)

# gperftools (DESIGN.md: profiling): tcmalloc with its heap sampler and the CPU profiler, for the
# admin /debug/pprof endpoints. Not in sanitizer or fuzz builds: ASan and TSan bring their own
# allocator and signal handling.
if(NOT PAYGATE_SANITIZE AND NOT PAYGATE_FUZZ)
  pkg_check_modules(GPERFTOOLS REQUIRED IMPORTED_TARGET libtcmalloc libprofiler)
  set(PAYGATE_GPERFTOOLS ON)
else()
  set(PAYGATE_GPERFTOOLS OFF)
endif()
