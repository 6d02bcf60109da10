#pragma once
/// The server socket: plain HTTP, or HTTPS with a certificate and key from files
/// (--web.tls-cert-file, --web.tls-key-file), on cpp-httplib's OpenSSL support: TLS 1.2 and 1.3
/// only, AEAD cipher suites with forward secrecy only, no renegotiation. Either way handlers see
/// the Authorization header as the client sent it, not percent-decoded, and every connection is
/// guarded before httplib reads it (see guarded_server.h).
#include <memory>
#include <string>

namespace httplib {
class Server;
}

namespace pmx {

struct TlsConfig {
  std::string cert_file;  ///< PEM certificate, optionally followed by its intermediates
  std::string key_file;   ///< PEM private key of the first certificate

  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

/// A plain server when `tls` is empty, else an HTTPS one. Throws std::invalid_argument (a
/// start-up configuration error) when only one file is given, and std::runtime_error naming the
/// flag and the file when a file cannot be read, holds no PEM certificate or key, or the key
/// does not belong to the certificate. Messages never contain file contents. The listening
/// socket never shares its port: binding a port another process listens on fails.
std::unique_ptr<httplib::Server> make_http_server(const TlsConfig& tls);

/// Once a server of make_http_server() is bound, and before it serves or anything can stop it:
/// listens with the system's largest backlog instead of httplib's 5.
void raise_listen_backlog(httplib::Server& server);

}  // namespace pmx
