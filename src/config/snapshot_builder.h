#pragma once
// build_snapshot: a checked Document -> the immutable Snapshot, compiling the route table. The
// router's build errors become ConfigErrors at routes[i]. Internal to config/; single thread.

#include <cstdint>
#include <memory>
#include <string>

#include "config/document.h"
#include "config/snapshot.h"

namespace paygate::config {

// Null, with the problems in `diagnostics`, when the route table does not compile.
std::shared_ptr<const Snapshot> build_snapshot(Document document, std::string source_path,
                                               std::uint64_t generation, Diagnostics& diagnostics);

}  // namespace paygate::config
