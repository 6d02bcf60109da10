// Redis over TLS against a real redis-server with --tls-port, with certificates the test makes
// with the openssl tool (tests/support/tls_certificates.h). RedisTlsChannel: the handshake
// checks the CA, the dates and the name, and says which failed. RedisStore: `rediss://` to a
// server, and through Sentinel, with the certificate problems a user meets named in
// last_error() and healthy() false. (The whole store conformance suite also runs over TLS:
// RedisTlsBackend.)
#include "redis_tls.h"

#include <gtest/gtest.h>

#include "pmx/core/rca_loader.h"
#include "pmx/store/redis_store.h"
#include "process.h"
#include "redis_sentinel.h"
#include "redis_server.h"
#include "tls_certificates.h"

namespace pmx {
namespace {

using namespace std::chrono_literals;
using testing::Certificate;

class RedisTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certificates_ = new testing::TestCertificates(); }
  static void TearDownTestSuite() { delete certificates_; }

  /// A redis-server answering TLS on tls_port() with `certificate` (and plain text on its
  /// port, which the launcher polls for readiness).
  std::unique_ptr<testing::RedisServer> server(const Certificate& certificate,
                                               bool require_client_certificates = false) {
    tls_port_ = testing::free_port();
    return std::make_unique<testing::RedisServer>(
        false, testing::redis_tls_args(tls_port_, certificate, certificates_->ca(),
                                       require_client_certificates));
  }

  std::unique_ptr<RedisTlsChannel> connect(const std::string& host, const RedisTlsConfig& config,
                                           std::string& error) {
    return RedisTlsChannel::connect(host, tls_port_, config, 2000ms, error);
  }

  /// A RedisStore on rediss://127.0.0.1:tls_port() with `tls`.
  std::unique_ptr<RedisStore> store(const RedisTlsConfig& tls) {
    RedisConfig config;
    config.url = "rediss://127.0.0.1:" + std::to_string(tls_port_);
    config.tls = tls;
    return std::make_unique<RedisStore>(config);
  }

  static RedisTlsConfig trusting(const std::string& ca) { return {ca, "", "", ""}; }

  static testing::TestCertificates* certificates_;
  int tls_port_ = 0;
};
testing::TestCertificates* RedisTlsTest::certificates_ = nullptr;

TEST_F(RedisTlsTest, TalksToRedisOverTlsWithTheRightCa) {
  const auto redis = server(certificates_->server());
  std::string error;
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    const auto channel = connect(host, trusting(certificates_->ca()), error);
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

  // A reply far larger than one TLS record and the read buffer arrives whole.
  const auto channel = connect("127.0.0.1", trusting(certificates_->ca()), error);
  ASSERT_NE(channel, nullptr) << error;
  std::string large(3'000'000, 'x');
  for (std::size_t i = 0; i < large.size(); i += 4096) large[i] = static_cast<char>('a' + i % 26);
  const auto replies = channel->exchange({{"SET", "large", large}, {"GET", "large"}});
  ASSERT_TRUE(replies.has_value()) << channel->error();
  EXPECT_EQ(std::string((*replies)[1]->str, (*replies)[1]->len), large);
}

TEST_F(RedisTlsTest, RefusesAnotherCaAnExpiredCertificateAndAWrongName) {
  auto redis = server(certificates_->server());
  std::string error;
  EXPECT_EQ(connect("127.0.0.1", trusting(certificates_->other_ca()), error), nullptr);
  // The server sends its CA along (--tls-ca-cert-file): one this client does not trust.
  EXPECT_NE(error.find("self-signed certificate in certificate chain"), std::string::npos) << error;
  EXPECT_EQ(connect("127.0.0.1", {certificates_->ca(), "", "", "redis.example"}, error), nullptr);
  EXPECT_NE(error.find("hostname mismatch"), std::string::npos) << error;

  redis = server(certificates_->expired());
  EXPECT_EQ(connect("127.0.0.1", trusting(certificates_->ca()), error), nullptr);
  EXPECT_NE(error.find("certificate has expired"), std::string::npos) << error;
}

// What an operator meets: the store is not healthy, and last_error() (the log's "store
// unavailable" line) names the certificate problem and the address.
TEST_F(RedisTlsTest, TheStoreNamesWhyItCannotConnect) {
  const auto redis = server(certificates_->server(), /*require_client_certificates=*/true);
  const std::string address = "127.0.0.1:" + std::to_string(tls_port_);
  const struct {
    RedisTlsConfig tls;
    std::string expected;
  } cases[] = {
      {trusting(certificates_->other_ca()), "self-signed certificate in certificate chain"},
      {{certificates_->ca(), "", "", "redis.example"}, "hostname mismatch"},
      // TLS 1.3 checks the client certificate after the handshake: the first write or read
      // fails, however it fails, and the error says what the server wanted.
      {trusting(certificates_->ca()), "the server requires a client certificate"},
  };
  for (const auto& c : cases) {
    const auto refused = store(c.tls);
    EXPECT_FALSE(refused->healthy()) << c.expected;
    EXPECT_NE(refused->last_error().find(c.expected), std::string::npos) << refused->last_error();
    EXPECT_NE(refused->last_error().find(address), std::string::npos) << refused->last_error();
  }
  const Certificate client = certificates_->client();
  const auto accepted = store({certificates_->ca(), client.cert, client.key, ""});
  EXPECT_TRUE(accepted->healthy()) << accepted->last_error();

  const auto expired = server(certificates_->expired());
  const auto refused = store(trusting(certificates_->ca()));
  EXPECT_FALSE(refused->healthy());
  EXPECT_NE(refused->last_error().find("certificate has expired"), std::string::npos)
      << refused->last_error();
}

TEST_F(RedisTlsTest, UnusableSettingsAreAStartUpError) {
  const auto refuses = [](const std::string& url, const RedisTlsConfig& tls,
                          const std::string& expected) {
    RedisConfig config;
    config.url = url;
    config.tls = tls;
    try {
      RedisStore store(config);
      ADD_FAILURE() << "accepted: " << expected;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  const std::string url = "rediss://127.0.0.1:6379";
  const Certificate client = certificates_->client();
  const Certificate server = certificates_->server();
  const std::string missing = certificates_->path("missing.pem");
  refuses("redis://127.0.0.1:6379", trusting(certificates_->ca()), "need a rediss:// URL");
  refuses(url, trusting(missing), "cannot read the CA file " + missing);
  refuses(url, trusting(client.key), "cannot read the CA file " + client.key);
  refuses(url, {certificates_->ca(), client.cert, "", ""}, "needs its key");
  refuses(url, {certificates_->ca(), client.cert, server.key, ""},
          "cannot use the client certificate " + client.cert);
  RedisConfig system_cas;
  system_cas.url = url;
  EXPECT_NO_THROW(RedisStore{system_cas}) << "without a CA file, the system's CAs are trusted";
}

// Sentinel with TLS: the sentinels and the master they name are both reached over TLS, with the
// same CA; a host-less rediss:// URL says so.
TEST_F(RedisTlsTest, ThroughSentinelOverTls) {
  const auto master = server(certificates_->server());
  const Certificate cert = certificates_->server();
  testing::RedisSentinel::Options options;
  options.master_port = tls_port_;
  options.quorum = 1;
  const int sentinel_tls_port = testing::free_port();
  options.config_lines = {"tls-port " + std::to_string(sentinel_tls_port),
                          "tls-cert-file " + cert.cert,
                          "tls-key-file " + cert.key,
                          "tls-ca-cert-file " + certificates_->ca(),
                          "tls-auth-clients no",
                          "tls-replication yes"};  // the sentinel talks TLS to the master
  const testing::RedisSentinel sentinel(options);

  RedisConfig config;
  config.url = "rediss://";
  config.sentinels = "127.0.0.1:" + std::to_string(sentinel_tls_port);
  config.sentinel_master = options.master_name;
  config.tls = trusting(certificates_->ca());
  RedisStore store(config);
  ASSERT_TRUE(store.healthy()) << store.last_error();
  const auto rca = load_rca({{"id", "rca-tls"}, {"title", "Over TLS"}, {"status", "draft"}});
  ASSERT_TRUE(rca.ok()) << rca.error().message();
  ASSERT_TRUE(store.put_rca(*rca, 0, {}).ok()) << store.last_error();
  EXPECT_EQ(master->cli("--raw HLEN {pm}:v2:rcas"), "1\n");

  // A plain URL with the same sentinels talks plain text to the TLS port: refused.
  config.url = "";
  config.tls = {};
  RedisStore plain(config);
  EXPECT_FALSE(plain.healthy());
  EXPECT_NE(plain.last_error().find("no sentinel gave the master's address"), std::string::npos)
      << plain.last_error();
}

}  // namespace
}  // namespace pmx
