// RedisTlsChannel against a real redis-server with --tls-port, with certificates the test makes
// with the openssl tool: a CA, a server certificate for localhost and 127.0.0.1, an expired one
// and another CA. The handshake checks the CA, the dates and the name, and says which failed.
#include "redis_tls.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "process.h"
#include "redis_server.h"

namespace pmx {
namespace {

using namespace std::chrono_literals;

void run(const std::string& command) {
  ASSERT_EQ(std::system((command + " 2>/dev/null").c_str()), 0) << command;
}

/// Certificates in a temporary directory: ca.crt (signs server.crt and expired.crt) and
/// other-ca.crt (signs nothing here).
class Certificates {
 public:
  Certificates() : dir_(testing::make_temp_dir("pmx-tls")) {
    const std::string d = dir_ + "/";
    std::ofstream(d + "san.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    std::ofstream(d + "ca.cnf") << "[ca]\ndefault_ca=test\n[test]\ndir=" << dir_
                                << "\ndatabase=$dir/index.txt\nserial=$dir/serial\n"
                                   "new_certs_dir=$dir\ndefault_md=sha256\npolicy=any\n"
                                   "copy_extensions=copy\n[any]\ncommonName=supplied\n";
    std::ofstream(d + "index.txt");
    std::ofstream(d + "serial") << "1000\n";
    for (const char* ca : {"ca", "other-ca"}) {
      run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + std::string(ca) +
          " -keyout " + d + ca + ".key -out " + d + ca + ".crt");
    }
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + d +
        "server.key -out " + d + "server.csr");
    run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.crt -CAkey " + d +
        "ca.key -CAcreateserial -days 2 -extfile " + d + "san.ext -out " + d + "server.crt");
    // Valid for one day in 2020: expired.
    run("openssl ca -batch -config " + d + "ca.cnf -cert " + d + "ca.crt -keyfile " + d +
        "ca.key -startdate 20200101000000Z -enddate 20200102000000Z -extfile " + d +
        "san.ext -in " + d + "server.csr -out " + d + "expired.crt");
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

class RedisTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certificates_ = new Certificates(); }
  static void TearDownTestSuite() { delete certificates_; }

  /// A redis-server answering TLS on tls_port() with `certificate` (and plain text on its
  /// port, which the launcher polls for readiness).
  std::unique_ptr<testing::RedisServer> server(const std::string& certificate) {
    tls_port_ = testing::free_port();
    return std::make_unique<testing::RedisServer>(
        false, std::vector<std::string>{"--tls-port", std::to_string(tls_port_), "--tls-cert-file",
                                        certificates_->path(certificate), "--tls-key-file",
                                        certificates_->path("server.key"), "--tls-ca-cert-file",
                                        certificates_->path("ca.crt"), "--tls-auth-clients", "no"});
  }

  std::unique_ptr<RedisTlsChannel> connect(const std::string& host, const RedisTlsConfig& config,
                                           std::string& error) {
    return RedisTlsChannel::connect(host, tls_port_, config, 2000ms, error);
  }

  static Certificates* certificates_;
  int tls_port_ = 0;
};
Certificates* RedisTlsTest::certificates_ = nullptr;

TEST_F(RedisTlsTest, TalksToRedisOverTlsWithTheRightCa) {
  const auto redis = server("server.crt");
  std::string error;
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    const auto channel = connect(host, {certificates_->path("ca.crt"), "", "", ""}, error);
    ASSERT_NE(channel, nullptr) << host << ": " << error;
    // A pipeline of three, binary-safe, answered in order.
    const std::string value("a\0b\r\nc", 6);
    const auto replies = channel->exchange({{"SET", "k", value}, {"GET", "k"}, {"PING"}});
    ASSERT_TRUE(replies.has_value()) << channel->error();
    ASSERT_EQ(replies->size(), 3u);
    EXPECT_EQ(std::string((*replies)[1]->str, (*replies)[1]->len), value);
    EXPECT_EQ(std::string((*replies)[2]->str), "PONG");
  }
  // The plain-text side holds what was written over TLS.
  EXPECT_EQ(redis->cli("--no-raw STRLEN k"), "(integer) 6\n");
}

TEST_F(RedisTlsTest, RefusesAnotherCaAnExpiredCertificateAndAWrongName) {
  auto redis = server("server.crt");
  std::string error;
  EXPECT_EQ(connect("127.0.0.1", {certificates_->path("other-ca.crt"), "", "", ""}, error),
            nullptr);
  // The server sends its CA along (--tls-ca-cert-file): one this client does not trust.
  EXPECT_NE(error.find("self-signed certificate in certificate chain"), std::string::npos) << error;
  EXPECT_EQ(connect("127.0.0.1", {certificates_->path("ca.crt"), "", "", "redis.example"}, error),
            nullptr);
  EXPECT_NE(error.find("hostname mismatch"), std::string::npos) << error;

  redis = server("expired.crt");
  EXPECT_EQ(connect("127.0.0.1", {certificates_->path("ca.crt"), "", "", ""}, error), nullptr);
  EXPECT_NE(error.find("certificate has expired"), std::string::npos) << error;
}

}  // namespace
}  // namespace pmx
