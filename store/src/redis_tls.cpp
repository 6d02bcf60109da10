#include "redis_tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pmx {
namespace {

// The last OpenSSL error in words, or `fallback`.
std::string openssl_error(const std::string& fallback) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

timeval to_timeval(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return tv;
}

// A TCP connection to host:port within `timeout` (non-blocking connect, then blocking again);
// -1 with `error`.
int connect_tcp(const std::string& host, int port, std::chrono::milliseconds timeout,
                std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
      rc != 0) {
    error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  error = "no address for " + host;
  for (addrinfo* at = found; at != nullptr && fd < 0; at = at->ai_next) {
    fd = socket(at->ai_family, at->ai_socktype | SOCK_CLOEXEC, at->ai_protocol);
    if (fd < 0) continue;
    const int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd, at->ai_addr, at->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = poll(&p, 1, static_cast<int>(timeout.count())) == 1 ? 0 : -1;
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error) {
        errno = so_error;
        rc = -1;
      } else if (rc != 0) {
        errno = ETIMEDOUT;
      }
    }
    if (rc != 0) {
      error = std::strerror(errno);
      close(fd);
      fd = -1;
      continue;
    }
    fcntl(fd, F_SETFL, flags);
    // As hiredis does for plain connections: pipelines go out at once, and a half-open
    // connection to a vanished host is noticed.
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  }
  freeaddrinfo(found);
  return fd;
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// A client context that trusts the configured CAs and presents the client certificate, if any;
// nullptr with `error` naming the file that could not be used.
SSL_CTX* make_context(const RedisTlsConfig& config, std::string& error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    error = "TLS: " + openssl_error("cannot create a context");
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // Called when the server asks for a client certificate and none is configured: noted, so that
  // the failure that follows (with TLS 1.3, at the first read or write) says why.
  SSL_CTX_set_client_cert_cb(ctx, [](SSL* ssl, X509**, EVP_PKEY**) {
    static_cast<RedisTlsChannel*>(SSL_get_app_data(ssl))->note_client_certificate_requested();
    return 0;
  });
  const bool cas = config.ca_file.empty()
                       ? SSL_CTX_set_default_verify_paths(ctx) == 1
                       : SSL_CTX_load_verify_locations(ctx, config.ca_file.c_str(), nullptr) == 1;
  if (!cas) {
    error = "TLS: cannot read the CA file " + config.ca_file + ": " + openssl_error("");
  } else if (config.cert_file.empty() != config.key_file.empty()) {
    error = "TLS: a client certificate needs its key, and a key its certificate";
  } else if (!config.cert_file.empty() &&
             (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1 ||
              SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
              SSL_CTX_check_private_key(ctx) != 1)) {
    error = "TLS: cannot use the client certificate " + config.cert_file + " with the key " +
            config.key_file + ": " + openssl_error("");
  } else {
    return ctx;
  }
  SSL_CTX_free(ctx);
  return nullptr;
}

}  // namespace

std::string check_tls_files(const RedisTlsConfig& config) {
  std::string error;
  SSL_CTX* ctx = make_context(config, error);
  if (ctx != nullptr) SSL_CTX_free(ctx);
  return error;
}

std::unique_ptr<RedisTlsChannel> RedisTlsChannel::connect(const std::string& host, int port,
                                                          const RedisTlsConfig& config,
                                                          std::chrono::milliseconds timeout,
                                                          std::string& error) {
  std::unique_ptr<RedisTlsChannel> channel(new RedisTlsChannel());
  channel->ctx_ = make_context(config, error);
  if (channel->ctx_ == nullptr) return nullptr;
  channel->fd_ = connect_tcp(host, port, timeout, error);
  if (channel->fd_ < 0) return nullptr;
  if (!channel->set_timeout(timeout)) {
    error = "cannot set the socket timeout";
    return nullptr;
  }
  channel->ssl_ = SSL_new(channel->ctx_);
  SSL_set_fd(channel->ssl_, channel->fd_);
  SSL_set_app_data(channel->ssl_, channel.get());
  const std::string name = config.server_name.empty() ? host : config.server_name;
  X509_VERIFY_PARAM* param = SSL_get0_param(channel->ssl_);
  if (is_ip_address(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    SSL_set_tlsext_host_name(channel->ssl_, name.c_str());
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  if (SSL_connect(channel->ssl_) != 1) {
    const long verified = SSL_get_verify_result(channel->ssl_);
    channel->fail("TLS handshake: " +
                  std::string(verified != X509_V_OK
                                  ? X509_verify_cert_error_string(verified)
                                  : openssl_error("the server closed the connection")));
    error = channel->error();
    return nullptr;
  }
  channel->reader_ = redisReaderCreate();
  return channel;
}

RedisTlsChannel::~RedisTlsChannel() {
  if (reader_ != nullptr) redisReaderFree(reader_);
  if (ssl_ != nullptr) {
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
}

bool RedisTlsChannel::set_timeout(std::chrono::milliseconds timeout) {
  const timeval tv = to_timeval(timeout);
  return setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
         setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0;
}

void RedisTlsChannel::fail(std::string error) {
  error_ = std::move(error);
  if (client_certificate_requested_) {
    error_ = "the server requires a client certificate and none is configured (" + error_ + ")";
  }
}

bool RedisTlsChannel::write_all(const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const int n = SSL_write(ssl_, bytes.data() + written, static_cast<int>(bytes.size() - written));
    if (n <= 0) {
      fail("TLS write: " + openssl_error(errno == EAGAIN ? "timeout" : std::strerror(errno)));
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

bool RedisTlsChannel::read_more() {
  char buffer[16 * 1024];
  const int n = SSL_read(ssl_, buffer, sizeof buffer);
  if (n <= 0) {
    fail("TLS read: " + openssl_error(n == 0            ? "connection closed"
                                      : errno == EAGAIN ? "timeout"
                                                        : std::strerror(errno)));
    return false;
  }
  if (redisReaderFeed(reader_, buffer, static_cast<std::size_t>(n)) != REDIS_OK) {
    error_ = std::string("protocol error: ") + reader_->errstr;
    return false;
  }
  return true;
}

std::optional<std::vector<RedisReply>> RedisTlsChannel::exchange(
    const std::vector<RedisCommand>& commands) {
  if (!send(commands)) return std::nullopt;
  return receive(commands.size());
}

bool RedisTlsChannel::send(const std::vector<RedisCommand>& commands) {
  std::string request;
  for (const auto& command : commands) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    char* formatted = nullptr;
    const int size = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(),
                                            lengths.data());
    if (size < 0) {
      error_ = "cannot format a command";
      return false;
    }
    request.append(formatted, static_cast<std::size_t>(size));
    redisFreeCommand(formatted);
  }
  return write_all(request);
}

std::optional<std::vector<RedisReply>> RedisTlsChannel::receive(std::size_t count) {
  std::vector<RedisReply> replies;
  while (replies.size() < count) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
      error_ = std::string("protocol error: ") + reader_->errstr;
      return std::nullopt;
    }
    if (reply != nullptr) {
      replies.emplace_back(static_cast<redisReply*>(reply));
    } else if (!read_more()) {
      return std::nullopt;
    }
  }
  return replies;
}

}  // namespace pmx
