#include "pmx/store/result.h"

namespace pmx {

const char* to_string(StoreError error) {
  switch (error) {
    case StoreError::kUnavailable: return "store unavailable";
    case StoreError::kConflict: return "too many concurrent updates";
    case StoreError::kCorrupt: return "stored data is corrupt";
  }
  return "store error";
}

}  // namespace pmx
