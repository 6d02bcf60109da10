#include "raw_headers.h"

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

namespace pmx {
namespace {

using std::chrono::milliseconds;

/// The longest request head kept; httplib refuses header lines over 8 KiB anyway. A longer
/// head has its Authorization header dropped (the request is then refused, never let in).
constexpr std::size_t kMaxHead = 64 * 1024;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

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

/// httplib's Stream over a transport, buffered, keeping the head of the request being read.
class RecordingStream final : public httplib::Stream {
 public:
  RecordingStream(socket_t sock, Transport& transport, milliseconds read_timeout,
                  milliseconds write_timeout)
      : sock_(sock),
        transport_(transport),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  /// A new request starts: forget the head of the previous one.
  void start_request() {
    head_.clear();
    head_complete_ = false;
  }
  /// The request line and header lines of the current request, as received.
  const std::string& head() const { return head_; }
  bool has_buffered() const { return begin_ < end_ || transport_.has_pending(); }

  bool is_readable() const override {
    return has_buffered() || wait_for(sock_, POLLIN, read_timeout_);
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
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
    record(ptr, n);
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return transport_.send(ptr, size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getpeername, sock_, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(::getsockname, sock_, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  void record(const char* data, std::size_t size) {
    if (head_complete_) return;
    const std::size_t searched = head_.size() < 3 ? 0 : head_.size() - 3;
    head_.append(data, std::min(size, kMaxHead - head_.size()));
    const std::size_t blank_line = head_.find("\r\n\r\n", searched);
    if (blank_line != std::string::npos) {
      head_.resize(blank_line + 4);  // the body is not head
      head_complete_ = true;
    } else if (head_.size() == kMaxHead) {
      head_.clear();
      head_complete_ = true;
    }
  }

  socket_t sock_;
  Transport& transport_;
  milliseconds read_timeout_;
  milliseconds write_timeout_;
  std::array<char, 4096> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string head_;
  bool head_complete_ = false;
};

/// Replaces the Authorization value httplib decoded by the one received; none if none was.
void restore_raw_authorization(httplib::Request& req, const std::string& head) {
  req.headers.erase("Authorization");
  if (auto raw = raw_header_value(head, "Authorization")) {
    req.headers.emplace("Authorization", std::move(*raw));
  }
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
bool next_request_arrives(const RecordingStream& stream, socket_t sock, milliseconds keep_alive,
                          const std::atomic<socket_t>& listening) {
  const auto deadline = std::chrono::steady_clock::now() + keep_alive;
  while (listening != INVALID_SOCKET) {
    if (stream.has_buffered() || wait_for(sock, POLLIN, milliseconds(10))) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return false;
}

using SetupRequest = std::function<void(httplib::Request&)>;
using ProcessRequest = std::function<bool(httplib::Stream&, bool close_connection,
                                          bool& connection_closed, const SetupRequest& setup)>;

/// The requests of one connection, each read and answered by `process` (httplib's).
bool serve_requests(socket_t sock, Transport& transport, const ConnectionLimits& limits,
                    const std::atomic<socket_t>& listening, const ProcessRequest& process) {
  RecordingStream stream(sock, transport, limits.read, limits.write);
  bool ok = false;
  for (std::size_t left = limits.max_requests; left > 0; --left) {
    if (!next_request_arrives(stream, sock, limits.keep_alive, listening)) break;
    stream.start_request();
    bool closed = false;
    ok = process(stream, left == 1, closed, [&stream](httplib::Request& req) {
      restore_raw_authorization(req, stream.head());
    });
    if (!ok || closed) break;
  }
  return ok;
}

void close_connection(socket_t sock) {
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

}  // namespace

std::optional<std::string> raw_header_value(std::string_view head, std::string_view name) {
  // As httplib reads them: lines end in LF, only those ending in CRLF count, the first is the
  // request line, the name runs to the first colon.
  bool request_line = true;
  while (!head.empty()) {
    const std::size_t lf = head.find('\n');
    std::string_view line = head.substr(0, lf);
    head.remove_prefix(lf == std::string_view::npos ? head.size() : lf + 1);
    if (request_line) {
      request_line = false;
      continue;
    }
    if (lf == std::string_view::npos || line.empty() || line.back() != '\r') continue;
    line.remove_suffix(1);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (equal_ignoring_case(line.substr(0, colon), name)) {
      return std::string(trim_blanks(line.substr(colon + 1)));
    }
  }
  return std::nullopt;
}

bool RawAuthorizationServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits{keep_alive_max_count_, milliseconds(keep_alive_timeout_sec_ * 1000),
                                to_millis(read_timeout_sec_, read_timeout_usec_),
                                to_millis(write_timeout_sec_, write_timeout_usec_)};
  set_socket_timeouts(sock, limits);
  SocketTransport transport(sock);
  const bool ok = serve_requests(
      sock, transport, limits, svr_sock_,
      [this](httplib::Stream& stream, bool close, bool& closed, const SetupRequest& setup) {
        return process_request(stream, close, closed, setup);
      });
  close_connection(sock);
  return ok;
}

bool RawAuthorizationSslServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits{keep_alive_max_count_, milliseconds(keep_alive_timeout_sec_ * 1000),
                                to_millis(read_timeout_sec_, read_timeout_usec_),
                                to_millis(write_timeout_sec_, write_timeout_usec_)};
  set_socket_timeouts(sock, limits);  // bounds the handshake too
  bool ok = false;
  SSL* ssl = SSL_new(ssl_context());
  if (ssl != nullptr && SSL_set_fd(ssl, sock) == 1 && SSL_accept(ssl) == 1) {
    TlsTransport transport(ssl);
    ok = serve_requests(
        sock, transport, limits, svr_sock_,
        [this, ssl](httplib::Stream& stream, bool close, bool& closed, const SetupRequest& setup) {
          return process_request(stream, close, closed, [&](httplib::Request& req) {
            req.ssl = ssl;
            setup(req);
          });
        });
    if (ok) SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  ERR_clear_error();  // a failed handshake leaves errors in this thread's queue
  close_connection(sock);
  return ok;
}

}  // namespace pmx
