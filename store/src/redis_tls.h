#pragma once
// A Redis connection over TLS (`rediss://`): Debian's hiredis 0.14 has no TLS, so the socket and
// the TLS session are OpenSSL's and hiredis only formats the commands (redisFormatCommandArgv)
// and parses the replies (redisReader). Private to store/. Not thread-safe: one per caller, as
// RedisConnection.
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis_connection.h"

namespace pmx {

/// "" when the CA file, client certificate and key of `config` can be used; else what is wrong
/// with which file (a start-up error, rather than one at every connect).
std::string check_tls_files(const RedisTlsConfig& config);

class RedisTlsChannel {
 public:
  /// Connects to host:port and completes the handshake within `timeout`, verifying the server's
  /// certificate against the CAs and its name; nullptr with `error` saying why (the OpenSSL
  /// verification result in words: "certificate has expired", "unable to get local issuer
  /// certificate", a name mismatch, ...).
  static std::unique_ptr<RedisTlsChannel> connect(const std::string& host, int port,
                                                  const RedisTlsConfig& config,
                                                  std::chrono::milliseconds timeout,
                                                  std::string& error);
  ~RedisTlsChannel();
  RedisTlsChannel(const RedisTlsChannel&) = delete;
  RedisTlsChannel& operator=(const RedisTlsChannel&) = delete;

  /// As RedisConnection::exchange(): every command written, then one reply each; nullopt on an
  /// I/O, TLS or protocol error (error() says which), after which the channel is unusable.
  std::optional<std::vector<RedisReply>> exchange(const std::vector<RedisCommand>& commands);
  /// Its halves, as RedisConnection::send() and receive().
  bool send(const std::vector<RedisCommand>& commands);
  std::optional<std::vector<RedisReply>> receive(std::size_t count);
  /// The bound of each later read and write.
  bool set_timeout(std::chrono::milliseconds timeout);
  const std::string& error() const { return error_; }
  /// For OpenSSL's callback: the server asked for a client certificate and none is configured.
  void note_client_certificate_requested() { client_certificate_requested_ = true; }

 private:
  RedisTlsChannel() = default;
  /// Sets error(), saying first when the server wanted a client certificate it did not get.
  void fail(std::string error);
  bool write_all(const std::string& bytes);
  bool read_more();

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  redisReader* reader_ = nullptr;
  std::string error_;
  bool client_certificate_requested_ = false;
};

}  // namespace pmx
