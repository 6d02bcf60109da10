#pragma once
// Reading the files named by flags (secrets, TLS certificate and key).
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace pmx {

/// The whole content of `path`, as bytes; nullopt when it cannot be opened or read.
inline std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

}  // namespace pmx
