#pragma once
/// Request headers as the client sent them.
///
/// cpp-httplib 0.11 percent-decodes every request header value before a handler sees it
/// (`Bearer a%41` arrives as `Bearer aA`) and keeps no raw copy, so credentials could not be
/// compared as sent: a token holding `%41` never matched, and its encoded form `%2541` did.
/// These servers read each connection through a stream that keeps the raw header block of the
/// request being read, and put the raw `Authorization` value back into the request before it
/// is routed. Parsing, routing and responses stay httplib's (Server::process_request).
///
/// The connection loop mirrors httplib's: at most keep_alive_max_count requests, each awaited
/// for keep_alive_timeout, reads and writes bounded by the read and write timeouts.
#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>

namespace pmx {

/// The value of header `name` (case-insensitive) in a raw request head (request line, header
/// lines, each ending in CRLF), without the spaces around it; the first when repeated.
std::optional<std::string> raw_header_value(std::string_view head, std::string_view name);

/// A plain HTTP server whose handlers see the Authorization header as sent.
class RawAuthorizationServer : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
};

/// An HTTPS server whose handlers see the Authorization header as sent.
class RawAuthorizationSslServer : public httplib::SSLServer {
 public:
  using httplib::SSLServer::SSLServer;

 private:
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace pmx
