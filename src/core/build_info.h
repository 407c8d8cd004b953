#pragma once
// What this binary is: the project version and the git commit it was built from. The commit is
// compiled into build_info.cpp alone (CMake's paygate_git_revision), so that a new commit
// recompiles one file, not every user of these functions. Any thread.

#include <string_view>

namespace paygate::core {

std::string_view build_version();   // e.g. "0.1.0"
std::string_view build_revision();  // short git hash, or "unknown" outside a git checkout

}  // namespace paygate::core
