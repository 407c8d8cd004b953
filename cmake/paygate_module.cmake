# Warnings and sanitizers for every target we compile.
add_library(paygate_flags INTERFACE)
target_compile_options(paygate_flags INTERFACE -Wall -Wextra -Werror)
if(PAYGATE_SANITIZE)
  target_compile_options(paygate_flags INTERFACE -fsanitize=${PAYGATE_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(paygate_flags INTERFACE -fsanitize=${PAYGATE_SANITIZE})
  if(PAYGATE_SANITIZE MATCHES "undefined")
    target_compile_options(paygate_flags INTERFACE -fno-sanitize-recover=undefined)
  endif()
endif()

# paygate_module(name SOURCES a.cpp b.cpp DEPS other_module ... LIBS Foo::foo ...)
# One static library per src/ module, named paygate_<name>; includes are "module/file.h".
function(paygate_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  add_library(paygate_${name} STATIC ${M_SOURCES})
  target_include_directories(paygate_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  list(TRANSFORM M_SOURCES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/ OUTPUT_VARIABLE abs_sources)
  set_property(GLOBAL PROPERTY paygate_${name}_sources ${abs_sources})
  set_property(GLOBAL PROPERTY paygate_${name}_deps ${M_DEPS})
  set_property(GLOBAL PROPERTY paygate_${name}_libs ${M_LIBS})
  list(TRANSFORM M_DEPS PREPEND paygate_)
  target_link_libraries(paygate_${name} PUBLIC paygate_flags paygate_boost ${M_DEPS} ${M_LIBS})
endfunction()

# paygate_io_uring_variant(module ...): builds paygate_<module>_uring from the same sources with
# Asio's io_uring backend instead of epoll. Asio picks its backend at compile time, and every
# translation unit of one binary must agree, so the modules that run Asio I/O are built twice
# and the paygate-uring binary links the _uring ones (app/process.cpp execs it when the configuration asks for it).
function(paygate_io_uring_variant)
  foreach(name ${ARGN})
    get_property(sources GLOBAL PROPERTY paygate_${name}_sources)
    get_property(deps GLOBAL PROPERTY paygate_${name}_deps)
    get_property(libs GLOBAL PROPERTY paygate_${name}_libs)
    set(linked "")
    foreach(dep ${deps})
      if(TARGET paygate_${dep}_uring)
        list(APPEND linked paygate_${dep}_uring)
      else()
        list(APPEND linked paygate_${dep})
      endif()
    endforeach()
    add_library(paygate_${name}_uring STATIC ${sources})
    target_include_directories(paygate_${name}_uring PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_compile_definitions(paygate_${name}_uring PUBLIC
      BOOST_ASIO_HAS_IO_URING BOOST_ASIO_DISABLE_EPOLL PAYGATE_IO_URING)
    target_link_libraries(paygate_${name}_uring PUBLIC paygate_flags paygate_boost ${linked} ${libs}
      paygate_dep_uring)
  endforeach()
endfunction()

# paygate_unit_test(module name [THREADED] [extra libraries...]) -> tests/unit/<module>/<name>.cpp,
# linked with paygate_<module> and paygate_test_support (tests/support/, "support/temp_dir.h");
# the helpers that need a module (paygate_test_keys, ...) are passed as extra libraries.
# THREADED marks a test whose code crosses threads: its tests get the label `unit-threaded`, one
# label because gtest_discover_tests cannot pass a list (ctest matches -L as a regex, so -L unit
# still selects every unit test and -L threaded these), and the target joins `threaded_tests`,
# which make test runs under TSan.
add_custom_target(threaded_tests)
function(paygate_unit_test module name)
  # PROPERTIES: more ctest properties for each discovered test (e.g. a fixture it needs).
  cmake_parse_arguments(T "THREADED" "" "PROPERTIES" ${ARGN})
  set(target unit_${module}_${name})
  set(label unit)
  if(T_THREADED)
    set(label unit-threaded)
    add_dependencies(threaded_tests ${target})
  endif()
  add_executable(${target} ${PROJECT_SOURCE_DIR}/tests/unit/${module}/${name}.cpp)
  target_link_libraries(${target} PRIVATE paygate_${module} paygate_test_support
                        ${T_UNPARSED_ARGUMENTS} GTest::gtest GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${target} TEST_PREFIX "unit.${module}." DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS ${label} ${T_PROPERTIES})
endfunction()
