#include "guarded_server.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "pmx/log/log.h"
#include "pmx/receiver/auth.h"
#include "request_body.h"

namespace pmx {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// Waits up to `timeout` for `events` on the socket.
bool wait_for(socket_t sock, short events, milliseconds timeout) {
  pollfd fd{sock, events, 0};
  int ready = 0;
  do {
    ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

/// Where a connection's bytes come from and go to: the socket, or TLS over it.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual ssize_t receive(char* buffer, std::size_t size) = 0;
  virtual ssize_t send(const char* data, std::size_t size) = 0;
  /// Whether bytes already arrived that a receive() returns without waiting (TLS decrypts a
  /// whole record at once).
  virtual bool has_pending() const { return false; }
};

class SocketTransport final : public Transport {
 public:
  explicit SocketTransport(socket_t sock) : sock_(sock) {}
  ssize_t receive(char* buffer, std::size_t size) override {
    return ::recv(sock_, buffer, size, 0);
  }
  ssize_t send(const char* data, std::size_t size) override {
    return ::send(sock_, data, size, MSG_NOSIGNAL);
  }

 private:
  socket_t sock_;
};

class TlsTransport final : public Transport {
 public:
  explicit TlsTransport(SSL* ssl) : ssl_(ssl) {}
  ssize_t receive(char* buffer, std::size_t size) override {
    return SSL_read(ssl_, buffer, clamp(size));
  }
  ssize_t send(const char* data, std::size_t size) override {
    return SSL_write(ssl_, data, clamp(size));
  }
  bool has_pending() const override { return SSL_pending(ssl_) > 0; }

 private:
  static int clamp(std::size_t size) {
    return static_cast<int>(std::min<std::size_t>(size, INT_MAX));
  }
  SSL* ssl_;
};

void address_of(int (*get_name)(int, sockaddr*, socklen_t*), socket_t sock, std::string& ip,
                int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (get_name(sock, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof host, service,
                  sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(service);
  }
}

/// httplib's Stream over a transport, buffered. While a request is read here, reads wait at
/// most until the request's deadline; once it is accepted, httplib reads the rewritten request
/// from memory (replay) and then sees the end of the stream, never the next request.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(socket_t sock, Transport& transport, milliseconds read_timeout,
                   milliseconds write_timeout)
      : sock_(sock),
        transport_(transport),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  /// A new request starts: all of it must arrive by `deadline`.
  void start_request(Clock::time_point deadline) {
    deadline_ = deadline;
    replaying_ = false;
  }
  /// httplib reads `head` then `body`, then the end of the stream.
  void replay(std::string head, std::string body) {
    replay_head_ = std::move(head);
    replay_body_ = std::move(body);
    replay_at_ = 0;
    replaying_ = true;
  }
  bool has_buffered() const { return begin_ < end_ || transport_.has_pending(); }

  bool is_readable() const override {
    if (replaying_ || has_buffered()) return true;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
    return left.count() > 0 && wait_for(sock_, POLLIN, std::min(left, read_timeout_));
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (replaying_) return read_replay(ptr, size);
    if (begin_ == end_) {
      if (!is_readable()) return -1;
      const ssize_t received = transport_.receive(buffer_.data(), buffer_.size());
      if (received <= 0) return received < 0 ? -1 : 0;
      begin_ = 0;
      end_ = static_cast<std::size_t>(received);
    }
    const std::size_t n = std::min(size, end_ - begin_);
    std::copy_n(buffer_.data() + begin_, n, ptr);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return transport_.send(ptr, size);
  }
  bool write_all(const std::string& data) {
    for (std::size_t at = 0; at < data.size();) {
      const ssize_t n = write(data.data() + at, data.size() - at);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getpeername, sock_, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getsockname, sock_, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t read_replay(char* ptr, std::size_t size) {
    const std::string& part = replay_at_ < replay_head_.size() ? replay_head_ : replay_body_;
    const std::size_t offset =
        replay_at_ < replay_head_.size() ? replay_at_ : replay_at_ - replay_head_.size();
    const std::size_t n = std::min(size, part.size() - offset);
    std::copy_n(part.data() + offset, n, ptr);
    replay_at_ += n;
    return static_cast<ssize_t>(n);
  }

  socket_t sock_;
  Transport& transport_;
  milliseconds read_timeout_;
  milliseconds write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::array<char, 4096> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool replaying_ = false;
  std::string replay_head_;
  std::string replay_body_;
  std::size_t replay_at_ = 0;
};

/// Reads a request head up to its empty line, refusing it the moment it passes the bounds. A
/// connection that ends or stalls first gets a Refusal with status 0 (closed, no answer).
std::variant<RequestHead, Refusal> read_head(ConnectionStream& stream) {
  std::string text;
  std::size_t lines = 0;
  char c = 0;
  for (;;) {
    if (stream.read(&c, 1) != 1) return Refusal{0, ""};
    if (text.empty() && (c == '\r' || c == '\n')) continue;  // empty lines before a request
    if (text.size() == kMaxHeadBytes) return Refusal{431, "request headers over 64 KiB"};
    text.push_back(c);
    if (c != '\n') continue;
    const bool empty_line =
        text.size() >= 2 && (text.compare(text.size() - 2, 2, "\n\n") == 0 ||
                             (text.size() >= 3 && text.compare(text.size() - 3, 3, "\n\r\n") == 0));
    if (empty_line) return parse_request_head(text);
    if (++lines > kMaxHeaders + 1) return Refusal{431, "more than 100 headers"};
  }
}

/// A refusal decided from the head alone: credentials, then the declared length.
std::optional<Refusal> admit(const RequestHead& head, const RequestRules& rules) {
  if ((head.writes() || head.body.has_body()) && rules.authorized &&
      !rules.authorized(head.header("Authorization").value_or(""))) {
    return Refusal{401, "missing or invalid credentials"};
  }
  if (head.body.transfer == BodyFraming::Transfer::kLength &&
      head.body.length > rules.max_body_bytes) {
    return body_too_large();
  }
  return std::nullopt;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    default:
      return "Internal Server Error";
  }
}

/// Answers a refusal with the JSON error shape of every other answer, and Connection: close.
void send_refusal(ConnectionStream& stream, const Refusal& refusal, const std::string& challenge) {
  const std::string body = nlohmann::json{{"error", refusal.message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string response =
      "HTTP/1.1 " + std::to_string(refusal.status) + ' ' + reason_phrase(refusal.status) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n";
  if (refusal.status == 401) response += "WWW-Authenticate: " + challenge + "\r\n";
  stream.write_all(response + "\r\n" + body);
}

void report_refusal(const RequestRules& rules, const ConnectionStream& stream,
                    const RequestHead& head, const Refusal& refusal) {
  std::string remote;
  int port = 0;
  stream.get_remote_ip_and_port(remote, port);
  log_debug("request refused", {{"code", refusal.status},
                                {"method", head.method},
                                {"path", quoted(head.path())},
                                {"remote", remote},
                                {"reason", quoted(refusal.message)}});
  if (rules.on_refused) rules.on_refused(head, remote, refusal);
}

struct ConnectionLimits {
  std::size_t max_requests;
  milliseconds keep_alive;
  milliseconds read;
  milliseconds write;
};

milliseconds to_millis(time_t seconds, time_t micros) {
  return milliseconds(seconds * 1000 + micros / 1000);
}

/// Bounds every blocking receive and send (TLS handshakes and records need several).
void set_socket_timeouts(socket_t sock, const ConnectionLimits& limits) {
  const auto timeval_of = [](milliseconds t) {
    return timeval{static_cast<time_t>(t.count() / 1000),
                   static_cast<suseconds_t>((t.count() % 1000) * 1000)};
  };
  const timeval read = timeval_of(limits.read);
  const timeval write = timeval_of(limits.write);
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &read, sizeof read);
  setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &write, sizeof write);
}

/// Waits for the next request of a connection: false when the client stays silent for the
/// keep-alive timeout or the server stops listening (checked every 10 ms, so stop() is quick).
bool next_request_arrives(const ConnectionStream& stream, socket_t sock, milliseconds keep_alive,
                          const std::atomic<socket_t>& listening) {
  const auto deadline = Clock::now() + keep_alive;
  while (listening != INVALID_SOCKET) {
    if (stream.has_buffered() || wait_for(sock, POLLIN, milliseconds(10))) return true;
    if (Clock::now() >= deadline) return false;
  }
  return false;
}

using SetupRequest = std::function<void(httplib::Request&)>;
using ProcessRequest = std::function<bool(httplib::Stream&, bool close_connection,
                                          bool& connection_closed, const SetupRequest& setup)>;

enum class ConnectionEnd { kDone, kFailed, kRefused };

/// One request read, judged and decoded here, then answered by `process` (httplib's).
ConnectionEnd serve_request(ConnectionStream& stream, const RequestRules& rules, bool last,
                            const ProcessRequest& process, bool& closed) {
  auto parsed = read_head(stream);
  std::optional<Refusal> refusal;
  RequestHead head;
  if (auto* refused = std::get_if<Refusal>(&parsed)) {
    refusal = std::move(*refused);
  } else {
    head = std::move(std::get<RequestHead>(parsed));
    refusal = admit(head, rules);
  }
  std::string body;
  if (!refusal && head.expects_continue && head.body.has_body() &&
      !stream.write_all("HTTP/1.1 100 Continue\r\n\r\n")) {
    return ConnectionEnd::kFailed;
  }
  if (!refusal) refusal = read_body(stream, head.body, rules.max_body_bytes, body);
  if (refusal) {
    if (refusal->status == 0) return ConnectionEnd::kFailed;
    report_refusal(rules, stream, head, *refusal);
    send_refusal(stream, *refusal, rules.challenge);
    return ConnectionEnd::kRefused;
  }
  std::string rewritten = head_for_httplib(head, body.size());
  stream.replay(std::move(rewritten), std::move(body));
  const bool ok = process(stream, last, closed, [&head](httplib::Request& req) {
    // httplib percent-decoded it; credentials are compared as sent.
    req.headers.erase("Authorization");
    if (auto raw = head.header("Authorization")) req.headers.emplace("Authorization", *raw);
  });
  return ok ? ConnectionEnd::kDone : ConnectionEnd::kFailed;
}

/// The requests of one connection.
ConnectionEnd serve_requests(socket_t sock, Transport& transport, const ConnectionLimits& limits,
                             const RequestRules& rules, const std::atomic<socket_t>& listening,
                             const ProcessRequest& process) {
  ConnectionStream stream(sock, transport, limits.read, limits.write);
  for (std::size_t left = limits.max_requests; left > 0; --left) {
    if (!next_request_arrives(stream, sock, limits.keep_alive, listening)) break;
    stream.start_request(Clock::now() + limits.read);
    bool closed = false;
    const ConnectionEnd end = serve_request(stream, rules, left == 1, process, closed);
    if (end != ConnectionEnd::kDone || closed) return end;
  }
  return ConnectionEnd::kDone;
}

void close_connection(socket_t sock) {
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

/// Closes after a refusal without losing it: a close with unread request bytes would reset the
/// connection and the client could lose the answer. So stop sending, then read and drop what
/// still arrives, bounded (256 KiB, 500 ms, like Go's net/http), then close.
void close_after_refusal(socket_t sock) {
  ::shutdown(sock, SHUT_WR);
  const auto deadline = Clock::now() + milliseconds(500);
  std::array<char, 4096> sink;
  for (std::size_t drained = 0; drained < 256 * 1024;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !wait_for(sock, POLLIN, left)) break;
    const ssize_t n = ::recv(sock, sink.data(), sink.size(), 0);
    if (n <= 0) break;
    drained += static_cast<std::size_t>(n);
  }
  ::close(sock);
}

ConnectionLimits limits_of(time_t keep_alive_sec, time_t read_sec, time_t read_usec,
                           time_t write_sec, time_t write_usec, std::size_t max_requests) {
  return ConnectionLimits{max_requests, milliseconds(keep_alive_sec * 1000),
                          to_millis(read_sec, read_usec), to_millis(write_sec, write_usec)};
}

}  // namespace

void GuardedServer::raise_backlog() { ::listen(svr_sock_, SOMAXCONN); }

bool GuardedServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits =
      limits_of(keep_alive_timeout_sec_, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_,
                write_timeout_usec_, keep_alive_max_count_);
  set_socket_timeouts(sock, limits);
  SocketTransport transport(sock);
  const ConnectionEnd end = serve_requests(
      sock, transport, limits, rules_, svr_sock_,
      [this](httplib::Stream& stream, bool close, bool& closed, const SetupRequest& setup) {
        return process_request(stream, close, closed, setup);
      });
  if (end == ConnectionEnd::kRefused) {
    close_after_refusal(sock);
  } else {
    close_connection(sock);
  }
  return end != ConnectionEnd::kFailed;
}

GuardedSslServer::GuardedSslServer(const char* cert_path, const char* private_key_path)
    : httplib::SSLServer(cert_path, private_key_path) {}

void GuardedSslServer::raise_backlog() { ::listen(svr_sock_, SOMAXCONN); }

bool GuardedSslServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits =
      limits_of(keep_alive_timeout_sec_, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_,
                write_timeout_usec_, keep_alive_max_count_);
  set_socket_timeouts(sock, limits);  // bounds the handshake too
  ConnectionEnd end = ConnectionEnd::kFailed;
  SSL* ssl = SSL_new(ssl_context());
  if (ssl != nullptr && SSL_set_fd(ssl, sock) == 1 && SSL_accept(ssl) == 1) {
    TlsTransport transport(ssl);
    end = serve_requests(
        sock, transport, limits, rules_, svr_sock_,
        [this, ssl](httplib::Stream& stream, bool close, bool& closed, const SetupRequest& setup) {
          return process_request(stream, close, closed, [&](httplib::Request& req) {
            req.ssl = ssl;
            setup(req);
          });
        });
    if (end != ConnectionEnd::kFailed) SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  ERR_clear_error();  // a failed handshake leaves errors in this thread's queue
  if (end == ConnectionEnd::kRefused) {
    close_after_refusal(sock);
  } else {
    close_connection(sock);
  }
  return end != ConnectionEnd::kFailed;
}

}  // namespace pmx
