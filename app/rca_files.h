#pragma once
// --rca.dir: RCAs kept as files (GitOps, e.g. a ConfigMap), loaded at start and on SIGHUP.
#include <cstddef>
#include <string>

#include "pmx/service/queries.h"
#include "pmx/service/rca_service.h"

namespace pmx {

struct RcaDirReport {
  int loaded = 0;     ///< written (new or changed)
  int unchanged = 0;  ///< already stored as is
  int invalid = 0;    ///< skipped, with their problems logged
  int removed = 0;    ///< file RCAs whose file is gone
};

/// Loads every `*.json` in `dir` as a read-only RCA. An invalid file is logged with its
/// problems and skipped; the others load. RCAs that came from a file no longer in `dir` are
/// deleted, so the folder is the truth. Store failures are logged and counted as invalid.
///
/// Only regular files inside `dir` load: a symlink is followed (a ConfigMap's files are links
/// through `..data`) but must end inside `dir`; loops, dangling links, FIFOs, unreadable files
/// and files over `max_file_bytes` are logged by name and skipped, and an RCA of such a file
/// keeps its last good version. Logs name files and reasons, never their content. Never
/// throws for what it finds in the folder.
RcaDirReport load_rca_dir(const std::string& dir, std::size_t max_file_bytes, Queries& queries,
                          RcaService& rcas, UnixNanos now);

}  // namespace pmx
