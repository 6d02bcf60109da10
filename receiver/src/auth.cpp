#include "pmx/receiver/auth.h"

#include <cstdint>
#include <stdexcept>
#include <utility>

#include "files.h"

namespace pmx {
namespace {

bool starts_with_ci(const std::string& text, const std::string& prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  // Unsigned: the accumulator keeps shifting left and only its low bits matter; a signed int
  // overflowed (undefined behaviour, UBSan) after four characters.
  std::uint32_t value = 0;
  int bits = -8;
  for (char c : in) {
    if (c == '=') break;
    const auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) return {};
    value = (value << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

}  // namespace

bool constant_time_equals(const std::string& a, const std::string& b) {
  // Walk the expected length whatever the input, and fold the length difference in.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

bool Authenticator::allows(const std::string& header) const {
  if (!config_.enabled()) return true;
  if (config_.bearer_token && starts_with_ci(header, "Bearer ")) {
    return constant_time_equals(header.substr(7), *config_.bearer_token);
  }
  if (config_.basic_user && starts_with_ci(header, "Basic ")) {
    const std::string decoded = base64_decode(header.substr(6));
    const std::string expected = *config_.basic_user + ":" + config_.basic_password.value_or("");
    return constant_time_equals(decoded, expected);
  }
  return false;
}

std::string read_secret_file(const std::string& path) {
  auto content = read_whole_file(path);
  if (!content) throw std::runtime_error("cannot read " + path);
  std::string secret = std::move(*content);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) throw std::runtime_error(path + " is empty");
  return secret;
}

}  // namespace pmx
