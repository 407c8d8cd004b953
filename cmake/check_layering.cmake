# The layering check over src/:
#  1. every #include "<module>/..." in src/<module>/ names that module or one before it in the
#     dependency order (PAYGATE_MODULES in src/CMakeLists.txt);
#  2. a module built once for both I/O backends (not in IO_MODULES) includes no Asio or Beast
#     header and no header of a module in IO_MODULES: one binary must not mix two Asio builds.
#   cmake -DSOURCE_DIR=<dir> -DMODULES="core;observe;..." [-DIO_MODULES="http;..."]
#         -P check_layering.cmake
# Prints one line per violation (file: what it includes, and the rule) and exits non-zero when
# there is any. Run by the `layering` tests (tests/layering/).
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT MODULES)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=... -DMODULES=a;b;c [-DIO_MODULES=b;c] "
                      "-P check_layering.cmake")
endif()

set(violations 0)
set(allowed "")
list(JOIN IO_MODULES ", " io_list)

# report(<file> <message>): one violation.
macro(report shown)
  string(CONCAT text ${ARGN})
  message("${shown}: ${text}")
  math(EXPR violations "${violations} + 1")
endmacro()

foreach(module IN LISTS MODULES)
  list(APPEND allowed ${module})
  list(JOIN allowed ", " may)
  set(io_free TRUE)
  if(module IN_LIST IO_MODULES)
    set(io_free FALSE)
  endif()
  file(GLOB_RECURSE files ${SOURCE_DIR}/${module}/*.h ${SOURCE_DIR}/${module}/*.cpp)
  foreach(file IN LISTS files)
    file(RELATIVE_PATH shown ${SOURCE_DIR} ${file})
    file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<][^\">/]+/")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">].*$" "\\1" header "${line}")
      string(REGEX REPLACE "/.*$" "" top "${header}")
      if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"")
        if(NOT top IN_LIST allowed)
          report(${shown} "includes ${header}, but ${module} may include only ${may}")
        elseif(io_free AND top IN_LIST IO_MODULES)
          report(${shown} "includes ${header}, but ${module} is built once for both I/O "
                          "backends and ${top} once per backend")
        endif()
      elseif(io_free AND header MATCHES "^boost/(asio|beast)[/.]")
        report(${shown} "includes ${header}, but ${module} is built once for both I/O backends "
                        "(only ${io_list} may use Asio)")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations GREATER 0)
  message(FATAL_ERROR "layering: ${violations} violation(s)")
endif()
list(LENGTH MODULES count)
message("layering: ${count} modules, every include points down the order")
