#pragma once
/// Checks the credentials Alertmanager's `http_config` can send: a bearer token
/// (`authorization: {credentials_file: ...}`) or basic auth (`basic_auth`). Comparisons take
/// the same time whatever the input, so a token cannot be guessed byte by byte.
#include <optional>
#include <string>

namespace pmx {

struct AuthConfig {
  std::optional<std::string> bearer_token;
  std::optional<std::string> basic_user;
  std::optional<std::string> basic_password;

  bool enabled() const { return bearer_token || basic_user; }
};

class Authenticator {
 public:
  explicit Authenticator(AuthConfig config) : config_(std::move(config)) {}

  /// True when no credentials are configured, or the Authorization header carries valid ones.
  bool allows(const std::string& authorization_header) const;
  bool enabled() const { return config_.enabled(); }
  bool accepts_basic() const { return config_.basic_user.has_value(); }
  /// The WWW-Authenticate of a 401: Basic when basic auth is accepted, so that a browser
  /// prompts for the user and password; else Bearer.
  const char* challenge() const {
    return accepts_basic() ? "Basic realm=\"postmortem-exporter\", charset=\"UTF-8\""
                           : "Bearer realm=\"postmortem-exporter\"";
  }

 private:
  AuthConfig config_;
};

/// Compares two strings in time that depends only on their lengths.
bool constant_time_equals(const std::string& a, const std::string& b);

/// Reads a credentials file: its content without the trailing newline. Throws
/// std::runtime_error (start-up configuration error) when it cannot be read or is empty.
std::string read_secret_file(const std::string& path);

}  // namespace pmx
