# Every library comes from Debian's archive (docs/architecture.md, "Libraries").
#
# Release builds link them statically where Debian ships an archive (PAYGATE_STATIC_DEPS), and the
# product executables take libstdc++ and libgcc statically too. Start-up time is the reason: with
# 19 shared libraries the dynamic loader spent a fifth of paygate's start-up looking up symbols and
# relocating, and a restarted node serves nothing until it is done (bench/startup.sh). spdlog and
# fmt ship no archive in Debian, so static builds use them header-only. libunwind (which tcmalloc
# needs) stays shared: its archive is not position-independent. Sanitizer and fuzz builds keep
# the shared libraries.
if(CMAKE_BUILD_TYPE STREQUAL "Release" AND NOT PAYGATE_SANITIZE AND NOT PAYGATE_FUZZ)
  set(paygate_static_default ON)
else()
  set(paygate_static_default OFF)
endif()
option(PAYGATE_STATIC_DEPS "Link third-party libraries statically where Debian ships archives"
       ${paygate_static_default})
if(PAYGATE_STATIC_DEPS)
  set(Boost_USE_STATIC_LIBS ON)
  # Debian's Boost CMake package has no static variant, so FindBoost's own search finds the
  # archives; it warns that it does not know this Boost version's component dependencies.
  set(Boost_NO_WARN_NEW_VERSIONS ON)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
endif()

find_package(Threads REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)
pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
find_package(PostgreSQL REQUIRED)
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

# gperftools: tcmalloc with its heap sampler and the CPU profiler, for the admin /debug/pprof
# endpoints. Not in sanitizer or fuzz builds: ASan and TSan bring their own
# allocator and signal handling.
if(NOT PAYGATE_SANITIZE AND NOT PAYGATE_FUZZ)
  pkg_check_modules(GPERFTOOLS REQUIRED IMPORTED_TARGET libtcmalloc libprofiler)
  set(PAYGATE_GPERFTOOLS ON)
else()
  set(PAYGATE_GPERFTOOLS OFF)
endif()

# The libraries as the modules link them: archives or shared objects, per PAYGATE_STATIC_DEPS.
function(paygate_static_archive var name)
  find_library(${var} NAMES lib${name}.a REQUIRED NO_CACHE)
  set(${var} ${${var}} PARENT_SCOPE)
endfunction()

add_library(paygate_dep_log INTERFACE)
add_library(paygate_dep_yaml INTERFACE)
add_library(paygate_dep_sqlite INTERFACE)
add_library(paygate_dep_re2 INTERFACE)
add_library(paygate_dep_uring INTERFACE)
add_library(paygate_dep_nghttp2 INTERFACE)
add_library(paygate_dep_gperftools INTERFACE)
add_library(paygate_dep_hiredis INTERFACE)
# libpq: only its header at build time. The programs load libpq.so.5 when a postgresql://
# outbox is configured (notify/libpq.h): its archive needs Kerberos and LDAP archives Debian does
# not ship, and linking the shared library would map it and its dependencies at every start.
add_library(paygate_dep_pq INTERFACE)
target_include_directories(paygate_dep_pq INTERFACE ${PostgreSQL_INCLUDE_DIRS})
target_link_libraries(paygate_dep_pq INTERFACE ${CMAKE_DL_LIBS})
if(PAYGATE_STATIC_DEPS)
  target_compile_definitions(paygate_dep_log INTERFACE SPDLOG_FMT_EXTERNAL)
  target_link_libraries(paygate_dep_log INTERFACE fmt::fmt-header-only Threads::Threads)
  paygate_static_archive(yaml_archive yaml-cpp)
  target_link_libraries(paygate_dep_yaml INTERFACE ${yaml_archive})
  target_include_directories(paygate_dep_yaml INTERFACE ${YAML_CPP_INCLUDE_DIR})
  paygate_static_archive(sqlite_archive sqlite3)
  target_link_libraries(paygate_dep_sqlite INTERFACE ${sqlite_archive} Threads::Threads m
                        ${CMAKE_DL_LIBS})
  paygate_static_archive(re2_archive re2)
  target_link_libraries(paygate_dep_re2 INTERFACE ${re2_archive} Threads::Threads)
  paygate_static_archive(uring_archive uring)
  target_link_libraries(paygate_dep_uring INTERFACE ${uring_archive})
  paygate_static_archive(nghttp2_archive nghttp2)
  target_link_libraries(paygate_dep_nghttp2 INTERFACE ${nghttp2_archive})
  paygate_static_archive(hiredis_archive hiredis)
  target_link_libraries(paygate_dep_hiredis INTERFACE ${hiredis_archive})
  target_include_directories(paygate_dep_hiredis INTERFACE ${HIREDIS_INCLUDE_DIRS})
  if(PAYGATE_GPERFTOOLS)
    target_compile_definitions(paygate_dep_gperftools INTERFACE PAYGATE_GPERFTOOLS)
    paygate_static_archive(gperftools_archive tcmalloc_and_profiler)
    target_link_libraries(paygate_dep_gperftools INTERFACE ${gperftools_archive} unwind
                          Threads::Threads)
  endif()
else()
  target_link_libraries(paygate_dep_log INTERFACE spdlog::spdlog fmt::fmt)
  target_link_libraries(paygate_dep_yaml INTERFACE yaml-cpp)
  target_link_libraries(paygate_dep_sqlite INTERFACE SQLite::SQLite3)
  target_link_libraries(paygate_dep_re2 INTERFACE PkgConfig::RE2)
  target_link_libraries(paygate_dep_uring INTERFACE PkgConfig::URING)
  target_link_libraries(paygate_dep_nghttp2 INTERFACE PkgConfig::NGHTTP2)
  target_link_libraries(paygate_dep_hiredis INTERFACE PkgConfig::HIREDIS)
  if(PAYGATE_GPERFTOOLS)
    target_compile_definitions(paygate_dep_gperftools INTERFACE PAYGATE_GPERFTOOLS)
    target_link_libraries(paygate_dep_gperftools INTERFACE PkgConfig::GPERFTOOLS)
  endif()
endif()

# A program paygate ships (not a test): with static dependencies it also carries its own C++
# runtime, so nothing C++ is left for the loader to resolve.
function(paygate_product_executable target)
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  if(PAYGATE_STATIC_DEPS)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
