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

/// What a TLS connection checks and presents.
struct RedisTlsConfig {
  std::string ca_file;      ///< PEM of the CAs to trust; "" for the system's
  std::string cert_file;    ///< PEM client certificate, for servers that ask one; "" for none
  std::string key_file;     ///< its private key
  std::string server_name;  ///< checked against the certificate (and sent as SNI); "" = the host
};

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
  /// The bound of each later read and write.
  bool set_timeout(std::chrono::milliseconds timeout);
  const std::string& error() const { return error_; }

 private:
  RedisTlsChannel() = default;
  bool write_all(const std::string& bytes);
  bool read_more();

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  redisReader* reader_ = nullptr;
  std::string error_;
};

}  // namespace pmx
