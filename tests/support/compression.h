#pragma once
/// Test support: request bodies as clients compress them (`Content-Encoding: gzip` or
/// `deflate`), to check the daemon decompresses them, and within its limit.
#include <string>

namespace pmx::testing {

enum class Wrapper { kGzip, kZlib };  ///< gzip; zlib (what `Content-Encoding: deflate` carries)

std::string compress(const std::string& data, Wrapper wrapper = Wrapper::kGzip);

}  // namespace pmx::testing
