#pragma once
// --rca.dir: RCAs kept as files (GitOps, e.g. a ConfigMap), loaded at start and on SIGHUP.
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
RcaDirReport load_rca_dir(const std::string& dir, Queries& queries, RcaService& rcas,
                          UnixNanos now);

}  // namespace pmx
