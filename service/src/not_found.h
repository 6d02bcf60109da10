#pragma once
// Reads that name what they did not find: shared by the use cases of service/.
#include <string>

#include "pmx/core/error.h"
#include "pmx/store/store.h"

namespace pmx {

/// kNotFound with `detail` ("no RCA with id db-1") and the request field it concerns.
inline Error not_found(std::string detail, std::string field = "id") {
  return Error{ErrorCode::kNotFound, std::move(detail), std::move(field), {}};
}

/// The stored RCA `id`, or kNotFound.
inline Result<Rca> stored_rca(Store& store, const std::string& id) {
  auto rca = store.get_rca(id);
  if (!rca) return std::move(rca).error();
  if (!*rca) return not_found("no RCA with id " + id);
  return std::move(**rca);
}

}  // namespace pmx
