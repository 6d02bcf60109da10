#include "pmx/core/error.h"

namespace pmx {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
      return "invalid input";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kReadOnly:
      return "read-only";
    case ErrorCode::kStale:
      return "the RCA changed since it was read";
    case ErrorCode::kConflict:
      return "too many concurrent updates";
    case ErrorCode::kUnavailable:
      return "store unavailable";
    case ErrorCode::kCorrupt:
      return "stored data is corrupt";
  }
  return "error";
}

}  // namespace pmx
