#pragma once
/// The servers behind --web.listen-address: cpp-httplib's request parsing, routing and
/// responses, with this daemon's own connection handling in front of them.
///
/// cpp-httplib 0.11 (compiled into Debian's shared library) reads a whole body, chunked or
/// compressed, before any handler can look at the credentials; applies its size limit to
/// Content-Length only; keeps any number of headers; answers Range with multipart; answers
/// `Expect: 100-continue` before auth; percent-decodes header values; and holds a pool worker
/// per open connection. So each connection is read here first: the head, bounded (kMaxHeaders,
/// kMaxHeadBytes), then a refusal decided from the head alone (credentials, declared length,
/// framing), only then `100 Continue` and the body, de-chunked and decompressed within the
/// limit. httplib is handed the request rewritten as a plain Content-Length request with the
/// decoded body (request_head.h: head_for_httplib) and the Authorization header as sent.
/// A whole request must arrive within --web.read-timeout, like Go's http.Server ReadTimeout.
#include <httplib.h>

#include <functional>
#include <string>

#include "request_head.h"

namespace pmx {

/// What a request must satisfy before its body is read.
struct RequestRules {
  std::size_t max_body_bytes = 8 * 1024 * 1024;  ///< after de-chunking and decompression
  /// Whether the Authorization header (as sent; empty when absent) lets a request write or
  /// send a body. Writes (POST, PUT, PATCH, DELETE) and any request with a body need it.
  std::function<bool(const std::string& authorization)> authorized;
  /// The WWW-Authenticate of a 401 (Authenticator::challenge).
  std::string challenge;
  /// Told of every refusal before it is sent, e.g. to count a refused webhook.
  std::function<void(const RequestHead& head, const std::string& remote, const Refusal& refusal)>
      on_refused;
};

/// A server whose connections are guarded by RequestRules (see install_http_api).
class GuardedConnections {
 public:
  virtual ~GuardedConnections() = default;
  virtual void guard(RequestRules rules) = 0;
  /// Listens with the system's largest backlog (httplib's is 5, and connections arriving
  /// together beyond it wait a SYN retry, a second). Call once bound, before serving.
  virtual void raise_backlog() = 0;
};

class GuardedServer final : public httplib::Server, public GuardedConnections {
 public:
  void guard(RequestRules rules) override { rules_ = std::move(rules); }
  void raise_backlog() override;

 private:
  bool process_and_close_socket(socket_t sock) override;
  RequestRules rules_;
};

class GuardedSslServer final : public httplib::SSLServer, public GuardedConnections {
 public:
  GuardedSslServer(const char* cert_path, const char* private_key_path);
  void guard(RequestRules rules) override { rules_ = std::move(rules); }
  void raise_backlog() override;

 private:
  bool process_and_close_socket(socket_t sock) override;
  RequestRules rules_;
};

}  // namespace pmx
