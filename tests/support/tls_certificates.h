#pragma once
/// Test support: certificates made by the openssl tool (EC P-256 keys: quick to make), for the
/// tests of TLS to Redis and of the daemon's own HTTPS.
#include <string>

namespace pmx::testing {

/// A certificate and its private key, as PEM files.
struct Certificate {
  std::string cert;
  std::string key;
};

/// A self-signed certificate for localhost and 127.0.0.1, valid for two days, in `dir`.
/// Throws with openssl's output when it fails.
Certificate make_self_signed_certificate(const std::string& dir, const std::string& name);

/// A small PKI in a fresh temporary directory: a CA, certificates it signs, and another CA that
/// signs nothing here. Server certificates name localhost and 127.0.0.1.
class TestCertificates {
 public:
  /// Makes them all; throws with openssl's output when it fails.
  TestCertificates();

  const std::string& dir() const { return dir_; }
  std::string ca() const { return path("ca.crt"); }
  std::string other_ca() const { return path("other-ca.crt"); }
  /// Signed by ca(), valid for two days.
  Certificate server() const { return {path("server.crt"), path("server.key")}; }
  /// Signed by ca() with server()'s key, valid for one day in 2020: expired.
  Certificate expired() const { return {path("expired.crt"), path("server.key")}; }
  /// A client certificate signed by ca(), for servers that ask for one.
  Certificate client() const { return {path("client.crt"), path("client.key")}; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

}  // namespace pmx::testing
