#include "pmx/receiver/tls.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <stdexcept>
#include <utility>

#include "files.h"
#include "guarded_server.h"

namespace pmx {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::string read_file(const std::string& flag, const std::string& path) {
  auto content = read_whole_file(path);
  if (!content) throw std::runtime_error(flag + ": cannot read " + path);
  return std::move(*content);
}

std::unique_ptr<BIO, BioDeleter> memory_bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioDeleter>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

/// Checks what httplib would only report as "invalid", so the operator learns which file is
/// wrong and why. httplib then loads the files itself (the certificate chain included).
void validate(const TlsConfig& tls) {
  const std::string cert_pem = read_file("--web.tls-cert-file", tls.cert_file);
  const std::string key_pem = read_file("--web.tls-key-file", tls.key_file);
  std::unique_ptr<X509, X509Deleter> cert(
      PEM_read_bio_X509(memory_bio(cert_pem).get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    throw std::runtime_error("--web.tls-cert-file: no PEM certificate in " + tls.cert_file);
  }
  // No passphrase callback: an encrypted key fails here instead of prompting on a terminal.
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(PEM_read_bio_PrivateKey(
      memory_bio(key_pem).get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key) {
    ERR_clear_error();
    throw std::runtime_error("--web.tls-key-file: no unencrypted PEM private key in " +
                             tls.key_file);
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("--web.tls-key-file: the key in " + tls.key_file +
                             " does not belong to the certificate in " + tls.cert_file);
  }
}

/// httplib's default sets SO_REUSEPORT, with which a second daemon binds the same port and the
/// kernel splits connections between the two. SO_REUSEADDR alone still allows a restart while
/// old connections are in TIME_WAIT, but not a second listener.
void reuse_address_only(httplib::Server& server) {
  server.set_socket_options([](int sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

std::unique_ptr<httplib::Server> plain_server() {
  auto server = std::make_unique<GuardedServer>();
  reuse_address_only(*server);
  return server;
}

/// TLS 1.2 suites with forward secrecy and authenticated encryption only: ECDHE with AES-GCM or
/// ChaCha20-Poly1305 (Mozilla's "intermediate" profile without DHE). CBC suites (Lucky13,
/// SHA-1 MAC) and static RSA key exchange are left out; every client since ~2014 has one of these.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
/// TLS 1.3 suites are all AEAD; named so that a changed library default cannot widen them.
constexpr const char* kTls13Ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/// TLS 1.2 or 1.3 only, the suites above, and no renegotiation: a client could otherwise make
/// the server redo the expensive side of a handshake on one connection as often as it likes.
void harden(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Ciphers) != 1) {
    ERR_clear_error();
    throw std::runtime_error("cannot restrict TLS to version 1.2+ with AEAD cipher suites");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}

}  // namespace

std::unique_ptr<httplib::Server> make_http_server(const TlsConfig& tls) {
  if (!tls.enabled()) return plain_server();
  if (tls.cert_file.empty() || tls.key_file.empty()) {
    throw std::invalid_argument("--web.tls-cert-file and --web.tls-key-file go together");
  }
  validate(tls);
  auto server = std::make_unique<GuardedSslServer>(tls.cert_file.c_str(), tls.key_file.c_str());
  if (!server->is_valid()) {
    ERR_clear_error();
    throw std::runtime_error("cannot set up TLS with " + tls.cert_file + " and " + tls.key_file);
  }
  harden(server->ssl_context());
  reuse_address_only(*server);
  return server;
}

void raise_listen_backlog(httplib::Server& server) {
  if (auto* guarded = dynamic_cast<GuardedConnections*>(&server)) guarded->raise_backlog();
}

}  // namespace pmx
