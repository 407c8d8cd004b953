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
  list(TRANSFORM M_DEPS PREPEND paygate_)
  target_link_libraries(paygate_${name} PUBLIC paygate_flags paygate_boost ${M_DEPS} ${M_LIBS})
endfunction()

# paygate_unit_test(module name) -> tests/unit/<module>/<name>.cpp, linked with paygate_<module>.
function(paygate_unit_test module name)
  set(target unit_${module}_${name})
  add_executable(${target} ${PROJECT_SOURCE_DIR}/tests/unit/${module}/${name}.cpp)
  target_link_libraries(${target} PRIVATE paygate_${module} ${ARGN} GTest::gtest GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${target} TEST_PREFIX "unit.${module}." DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()
