// The daemon on Redis over TLS (`rediss://` and the --redis.tls-* flags), as managed Redis
// offerings require: a real redis-server answering TLS, with certificates made by the openssl
// tool. Webhooks are stored over mutual TLS; a certificate that expires (rotated in on the
// server), another CA or another name make the daemon unready, and its log says which.
#include <gtest/gtest.h>

#include "e2e.h"
#include "process.h"
#include "redis_server.h"
#include "tls_certificates.h"

namespace pmx::e2e {
namespace {

using pmx::testing::poll_until;
using pmx::testing::read_file;
using pmx::testing::read_fixture;
using pmx::testing::RedisServer;
using pmx::testing::replay_fixture_names;
using pmx::testing::TestCertificates;

class RedisTls : public ::testing::Test {
 protected:
  /// redis-server answering TLS on tls_port_ with the server certificate (plain text on its
  /// port, for redis-cli).
  std::unique_ptr<RedisServer> server(bool require_client_certificates) {
    tls_port_ = pmx::testing::free_port();
    return std::make_unique<RedisServer>(
        false, pmx::testing::redis_tls_args(tls_port_, certificates_.server(), certificates_.ca(),
                                            require_client_certificates));
  }

  std::string url() const { return "rediss://127.0.0.1:" + std::to_string(tls_port_); }

  /// A daemon on url() with `flags`; waits only for /-/healthy (it may never be ready).
  std::unique_ptr<Daemon> daemon(std::vector<std::string> flags) const {
    Daemon::Options options;
    options.redis_url = url();
    options.flags = std::move(flags);
    options.wait_path = "/-/healthy";
    return std::make_unique<Daemon>(options);
  }

  /// Polls until the daemon's log has a "store unavailable" line (or "still unavailable", when
  /// the cause changed during the outage) naming `why`, asking /-/ready meanwhile as a kubelet
  /// does (the readiness check is what tries Redis when no webhook comes).
  static ::testing::AssertionResult logs_unavailable(Daemon& daemon, const std::string& why) {
    std::string log;
    const bool found = poll_until([&] {
      daemon.get("/-/ready");
      log = read_file(daemon.process().log_path());
      for (const char* msg : {R"(msg="store unavailable")", R"(msg="store still unavailable")"}) {
        for (auto line = log.find(msg); line != std::string::npos; line = log.find(msg, line + 1)) {
          if (log.substr(line, log.find('\n', line) - line).find(why) != std::string::npos) {
            return true;
          }
        }
      }
      return false;
    });
    if (found) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no \"store unavailable\" line naming " << why << ":\n"
                                         << log;
  }

  TestCertificates certificates_;
  int tls_port_ = 0;
};

TEST_F(RedisTls, WebhooksStoredOverMutualTlsAndAnExpiredCertificateMakesItUnready) {
  const auto redis = server(/*require_client_certificates=*/true);
  const auto client = certificates_.client();
  const auto owned =
      daemon({"--redis.tls-ca-file=" + certificates_.ca(), "--redis.tls-cert-file=" + client.cert,
              "--redis.tls-key-file=" + client.key});
  Daemon& d = *owned;
  ASSERT_TRUE(poll_until([&] { return d.get("/-/ready").status == 200; })) << d.log_tail();
  const auto& names = replay_fixture_names();
  post_fixtures(d, {names[0]});
  EXPECT_FALSE(d.get_json("/api/v1/incidents")["incidents"].empty());
  // Written to the server behind the TLS port.
  EXPECT_NE(redis->cli("--raw DBSIZE"), "0\n");

  // The server's certificate is rotated to one that has expired, and its connections dropped:
  // the daemon's reconnects fail, so it is not ready and Alertmanager's retries are refused.
  ASSERT_EQ(redis->cli("CONFIG SET tls-cert-file " + certificates_.expired().cert), "OK\n");
  redis->cli("CLIENT KILL TYPE normal");
  ASSERT_TRUE(poll_until([&] { return d.get("/-/ready").status == 503; })) << d.log_tail();
  EXPECT_TRUE(IsStatus(d.post_webhook(read_fixture(names[1])), 503));
  EXPECT_TRUE(logs_unavailable(d, "certificate has expired"));
  EXPECT_EQ(d.metric("postmortem_store_up"), 0.0);

  // A valid certificate again: ready without a restart, and the retried webhook is stored.
  ASSERT_EQ(redis->cli("CONFIG SET tls-cert-file " + certificates_.server().cert), "OK\n");
  ASSERT_TRUE(poll_until([&] { return d.get("/-/ready").status == 200; }, std::chrono::seconds(15)))
      << d.log_tail();
  EXPECT_TRUE(IsOk(d.post_webhook(read_fixture(names[1]))));
}

TEST_F(RedisTls, AnotherCaAWrongNameOrNoClientCertificateIsNeverReady) {
  const auto redis = server(/*require_client_certificates=*/true);
  const auto client = certificates_.client();
  const std::vector<std::string> client_certificate = {"--redis.tls-cert-file=" + client.cert,
                                                       "--redis.tls-key-file=" + client.key};
  const struct {
    std::vector<std::string> flags;
    std::string why;
  } cases[] = {
      {{"--redis.tls-ca-file=" + certificates_.other_ca()},
       "self-signed certificate in certificate chain"},
      {{"--redis.tls-ca-file=" + certificates_.ca(), "--redis.tls-server-name=redis.example"},
       "hostname mismatch"},
      {{"--redis.tls-ca-file=" + certificates_.ca()}, "requires a client certificate"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    std::vector<std::string> flags = c.flags;
    if (c.why != "requires a client certificate") {
      flags.insert(flags.end(), client_certificate.begin(), client_certificate.end());
    }
    const auto d = daemon(flags);
    EXPECT_EQ(d->get("/-/ready").status, 503) << d->log_tail();
    EXPECT_TRUE(IsStatus(d->post_webhook(read_fixture(replay_fixture_names()[0])), 503));
    EXPECT_TRUE(logs_unavailable(*d, c.why));
  }
  EXPECT_EQ(redis->cli("--raw DBSIZE"), "0\n") << "nothing was written";
}

TEST_F(RedisTls, UnusableSettingsStopTheStart) {
  const auto client = certificates_.client();
  expect_start_up_error(
      {"--redis.url=redis://127.0.0.1:6379", "--redis.tls-ca-file=" + certificates_.ca()},
      "need a rediss:// URL");
  expect_start_up_error({"--redis.url=rediss://127.0.0.1:6379",
                         "--redis.tls-ca-file=" + certificates_.path("missing.pem")},
                        "--redis.tls-ca-file: File does not exist");
  expect_start_up_error(
      {"--redis.url=rediss://127.0.0.1:6379", "--redis.tls-cert-file=" + client.cert},
      "a client certificate needs its key");
  expect_start_up_error(
      {"--redis.url=rediss://127.0.0.1:6379", "--redis.tls-ca-file=" + client.key},
      "cannot read the CA file " + client.key);
}

}  // namespace
}  // namespace pmx::e2e
