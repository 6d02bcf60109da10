#include "pmx/core/alert.h"

namespace pmx {

const char* to_string(AlertStatus status) {
  return status == AlertStatus::kFiring ? "firing" : "resolved";
}

}  // namespace pmx
