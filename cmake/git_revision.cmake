# paygate_git_revision(<var>): the short commit hash (12 digits) of the source tree, or "unknown"
# without git or a checkout. Determined at configure time; configure re-runs when HEAD or the
# branch it names moves, so incremental builds stay true (CI builds a clean clone anyway).
function(paygate_git_revision out_var)
  set(revision "unknown")
  find_package(Git QUIET)
  if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
    _paygate_git(hash rev-parse --short=12 HEAD)
    if(hash)
      set(revision ${hash})
      _paygate_watch_git_head()
    endif()
  endif()
  set(${out_var} ${revision} PARENT_SCOPE)
endfunction()

# _paygate_git(<var> args...): git's trimmed output, empty on failure.
function(_paygate_git out_var)
  execute_process(COMMAND ${GIT_EXECUTABLE} ${ARGN}
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE output OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE result ERROR_QUIET)
  if(NOT result EQUAL 0)
    set(output "")
  endif()
  set(${out_var} "${output}" PARENT_SCOPE)
endfunction()

# Only files that exist: a missing configure dependency would re-run configure on every build.
function(_paygate_watch_git_head)
  _paygate_git(branch symbolic-ref -q HEAD)
  set(watched HEAD packed-refs ${branch})
  foreach(name ${watched})
    _paygate_git(path rev-parse --git-path ${name})
    if(path)
      get_filename_component(path ${path} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
      if(EXISTS ${path})
        set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${path})
      endif()
    endif()
  endforeach()
endfunction()
