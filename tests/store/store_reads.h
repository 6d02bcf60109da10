#pragma once
// The open incident count and the top sources, read the way /metrics reads them: through
// Store::read_kpis, the one member that serves them.
#include <cstdint>
#include <vector>

#include "pmx/store/store.h"

namespace pmx {

inline Result<std::uint64_t> count_open_incidents(Store& store) {
  auto snapshot = store.read_kpis({}, 0);
  if (!snapshot) return std::move(snapshot).error();
  return snapshot->open_incidents;
}

inline Result<std::vector<SourceCount>> top_sources(Store& store, std::size_t limit) {
  auto snapshot = store.read_kpis({}, limit);
  if (!snapshot) return std::move(snapshot).error();
  return std::move(snapshot->top_sources);
}

}  // namespace pmx
