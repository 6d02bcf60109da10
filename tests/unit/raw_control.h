#pragma once
// Shared by the log tests: whether rendered text still holds a raw control character (below
// 0x20, or DEL), which a log line must never carry.
#include <string>

namespace pmx {

inline bool has_raw_control(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace pmx
