// Who may talk to the daemon and how: writes need credentials, reads only with --web.read-auth
// (health stays open for probes), secrets never reach the log even at debug level, and HTTPS
// with --web.tls-cert-file/--web.tls-key-file checked by real TLS clients (httplib's SSLClient
// verifying the certificate, and curl).
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdint>
#include <fstream>
#include <sstream>

#include "command.h"
#include "e2e.h"
#include "metrics_text.h"
#include "tls_certificates.h"

namespace pmx::e2e {
namespace {

using pmx::testing::http_request;
using pmx::testing::https_request;
using pmx::testing::kFixtureToken;
using pmx::testing::make_temp_dir;
using pmx::testing::read_file;
using pmx::testing::read_fixture;
using pmx::testing::run_command;

std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

/// RFC 4648 base64, for building basic-auth headers.
std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t value = 0;  // only the low bits matter: unsigned, so the shifts may wrap
  int bits = -6;
  for (const unsigned char c : in) {
    value = (value << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kAlphabet[(value >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kAlphabet[((value << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reads: open by default, behind the credentials with --web.read-auth.

// The web UI's pages show what the API shows: they are reads like it.
const std::vector<std::string> kReadPaths{"/api/v1/incidents", "/api/v1/sources", "/api/v1/rcas",
                                          "/metrics", "/"};
const std::vector<std::string> kProbePaths{"/-/healthy", "/-/ready", "/static/style.css"};

TEST(WebAuth, ReadsAreOpenByDefaultWritesAreNot) {
  Daemon daemon;
  for (const auto& path : kReadPaths) {
    EXPECT_TRUE(IsOk(http_request(daemon.port(), "GET", path))) << path;
  }
  const std::string valid = read_fixture("01-firing-group-checkout.json");
  EXPECT_TRUE(IsStatus(daemon.post_webhook(valid, ""), 401));
  EXPECT_TRUE(IsStatus(daemon.post_webhook(valid, "wrong-token"), 401));
  EXPECT_TRUE(IsStatus(http_request(daemon.port(), "PUT", "/api/v1/rcas/x", "{}"), 401));
  EXPECT_TRUE(IsStatus(http_request(daemon.port(), "DELETE", "/api/v1/rcas/x"), 401));
  EXPECT_TRUE(IsOk(daemon.post_webhook(valid)));
}

TEST(WebAuth, ReadAuthProtectsApiAndMetricsButNotProbes) {
  Daemon daemon(Daemon::Options{"", kFixtureToken, {"--web.read-auth"}});
  ASSERT_TRUE(IsOk(daemon.post_webhook(read_fixture("01-firing-group-checkout.json"))));
  for (const auto& path : kReadPaths) {
    SCOPED_TRACE(path);
    const HttpResponse anonymous = http_request(daemon.port(), "GET", path);
    EXPECT_TRUE(IsStatus(anonymous, 401));
    EXPECT_EQ(anonymous.json().value("error", ""), "missing or invalid credentials");
    EXPECT_TRUE(IsStatus(http_request(daemon.port(), "GET", path, "", "wrong-token"), 401));
    EXPECT_TRUE(IsOk(http_request(daemon.port(), "GET", path, "", kFixtureToken)));
  }
  // Unknown paths too: without credentials nobody learns which paths exist.
  EXPECT_TRUE(IsStatus(http_request(daemon.port(), "GET", "/api/v1/nope"), 401));
  EXPECT_TRUE(IsStatus(http_request(daemon.port(), "GET", "/api/v1/nope", "", kFixtureToken), 404));
  for (const auto& path : kProbePaths) {
    EXPECT_TRUE(IsOk(http_request(daemon.port(), "GET", path))) << path;
  }
  // The data behind the token is the data that went in.
  const HttpResponse metrics = http_request(daemon.port(), "GET", "/metrics", "", kFixtureToken);
  EXPECT_EQ(pmx::testing::metric_value(metrics.body, "postmortem_occurrences_total"), 2.0);
}

TEST(WebAuth, ReadAuthAcceptsBasicAuth) {
  const std::string dir = make_temp_dir("pmx-basic");
  const std::string password_file = write_file(dir + "/password", "p4ss-w0rd\n");
  Daemon daemon(Daemon::Options{"", "", {"--web.read-auth", "--web.basic-auth-username=prom",
                                         "--web.basic-auth-password-file=" + password_file}});
  const auto basic = [](const std::string& user_password) {
    return std::map<std::string, std::string>{{"Authorization", "Basic " + base64(user_password)}};
  };
  const auto get = [&](const std::map<std::string, std::string>& headers) {
    httplib::Client client("127.0.0.1", daemon.port());
    httplib::Headers h(headers.begin(), headers.end());
    const auto result = client.Get("/metrics", h);
    return result ? result->status : 0;
  };
  EXPECT_EQ(get(basic("prom:p4ss-w0rd")), 200);
  EXPECT_EQ(get(basic("prom:wrong")), 401);
  EXPECT_EQ(get(basic("other:p4ss-w0rd")), 401);
  EXPECT_EQ(get({}), 401);
}

// Credentials are compared as sent. cpp-httplib percent-decodes header values, which made a
// token with `%41` in it unusable (it arrived as `A`) and let its encoded form (`%2541`) in.
TEST(WebAuth, CredentialsAreComparedAsSentNotPercentDecoded) {
  const std::string token = "s3cret%41token";
  Daemon daemon(Daemon::Options{"", token, {}});
  const std::string valid = read_fixture("01-firing-group-checkout.json");
  EXPECT_TRUE(IsStatus(daemon.post_webhook(valid, "s3cret%2541token"), 401));
  EXPECT_TRUE(IsStatus(daemon.post_webhook(valid, "s3cretAtoken"), 401));
  EXPECT_TRUE(IsOk(daemon.post_webhook(valid, token)));
}

TEST(WebAuth, BasicAuthIsComparedAsSentNotPercentDecoded) {
  const std::string dir = make_temp_dir("pmx-basic");
  const std::string password_file = write_file(dir + "/password", "a>>>\n");
  Daemon daemon(Daemon::Options{
      "",
      "",
      {"--web.basic-auth-username=prom", "--web.basic-auth-password-file=" + password_file}});
  const std::string encoded = base64("prom:a>>>");
  ASSERT_EQ(encoded, "cHJvbTphPj4+");
  const auto post = [&](const std::string& credentials) {
    return pmx::testing::http_post(daemon.port(), "/api/v1/webhook",
                                   read_fixture("01-firing-group-checkout.json"),
                                   {{"Authorization", "Basic " + credentials}})
        .status;
  };
  EXPECT_EQ(post("cHJvbTphPj4%2B"), 401);  // the `+` percent-encoded
  EXPECT_EQ(post(encoded), 200);
}

TEST(WebAuth, ReadAuthWithoutCredentialsIsAStartUpError) {
  const auto result = run_command({pmx::testing::daemon_path(), "--web.listen-address=127.0.0.1:0",
                                   "--web.read-auth"},
                                  "", std::chrono::seconds(10));
  EXPECT_FALSE(result.succeeded());
  EXPECT_NE(result.output.find("--web.read-auth needs"), std::string::npos) << result.output;
}

// ---------------------------------------------------------------------------------------------
// Secrets and the log.

TEST(WebAuth, SecretsNeverReachTheLog) {
  const std::string dir = make_temp_dir("pmx-secrets");
  const std::string token = "tok-7f3a9c1e5b2d";
  const std::string wrong_token = "tok-wrong-0c4e8a2f";
  const std::string password = "pw-5e1b7d3f9a";
  const std::string wrong_password = "pw-wrong-2a6c";
  const std::string password_file = write_file(dir + "/password", password + "\n");
  Daemon daemon(Daemon::Options{"", token, {"--web.read-auth", "--web.basic-auth-username=am",
                                            "--web.basic-auth-password-file=" + password_file}});
  const std::string valid = read_fixture("01-firing-group-checkout.json");
  const std::vector<std::string> headers{"Bearer " + token, "Bearer " + wrong_token,
                                         "Basic " + base64("am:" + password),
                                         "Basic " + base64("am:" + wrong_password), token,
                                         "Basic " + base64(token)};
  int accepted = 0;
  for (const auto& header : headers) {
    for (const std::string path : {"/api/v1/webhook", "/api/v1/rcas/x", "/metrics"}) {
      httplib::Client client("127.0.0.1", daemon.port());
      const httplib::Headers h{{"Authorization", header}};
      const auto result = path == "/metrics"      ? client.Get(path, h)
                          : path == "/api/v1/rcas/x" ? client.Put(path, h, "{\"x\":", "application/json")
                                                     : client.Post(path, h, valid, "application/json");
      ASSERT_TRUE(result) << path;
      accepted += result->status != 401;
    }
  }
  EXPECT_EQ(accepted, 6) << "the right token and the right password, on three paths each";
  // Everything is answered: the log is complete up to here.
  ASSERT_TRUE(IsOk(daemon.get("/-/healthy")));
  const std::string log = read_file(daemon.process().log_path());
  ASSERT_NE(log.find("webhook stored"), std::string::npos) << "debug logging is on: " << log;
  for (const std::string& secret :
       {token, wrong_token, password, wrong_password, base64("am:" + password),
        base64("am:" + wrong_password), base64(token)}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "secret " << secret << " in the log:\n" << log;
  }
}

// ---------------------------------------------------------------------------------------------
// TLS.

using pmx::testing::Certificate;
using pmx::testing::make_self_signed_certificate;

class WebTls : public ::testing::Test {
 protected:
  WebTls() : dir_(make_temp_dir("pmx-tls")), cert_(make_self_signed_certificate(dir_, "server")) {}

  /// A daemon serving HTTPS with the certificate, talked to with it as the CA.
  std::unique_ptr<Daemon> tls_daemon() const {
    Daemon::Options options;
    options.flags = {"--web.tls-cert-file=" + cert_.cert, "--web.tls-key-file=" + cert_.key};
    return std::make_unique<Daemon>(options, cert_.cert);
  }

  std::string dir_;
  Certificate cert_;
};

TEST_F(WebTls, WebhookAndScrapeOverVerifiedTls) {
  const auto owned = tls_daemon();  // ready: GET /-/ready over HTTPS, certificate verified
  const Daemon& daemon = *owned;
  ASSERT_TRUE(IsOk(daemon.post_webhook(read_fixture("01-firing-group-checkout.json"))))
      << daemon.log_tail();
  EXPECT_TRUE(IsStatus(daemon.post_webhook(read_fixture("02-firing-group-auth.json"), "bad"), 401));
  EXPECT_EQ(daemon.metric("postmortem_occurrences_total"), 2.0);
  EXPECT_EQ(daemon.metric("postmortem_webhook_requests_total", {{"code", "401"}}), 1.0);
  EXPECT_NE(daemon.log_tail().find("tls=true"), std::string::npos) << daemon.log_tail();
}

TEST_F(WebTls, CurlTalksToItWithTheCa) {
  const auto owned = tls_daemon();
  const Daemon& daemon = *owned;
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon.port());
  const std::string body_file =
      write_file(dir_ + "/webhook.json", read_fixture("02-firing-group-auth.json"));
  const auto post = run_command({"curl", "-sS", "--fail", "--cacert", cert_.cert, "-H",
                                 "Authorization: Bearer " + kFixtureToken, "-H",
                                 "Content-Type: application/json", "--data-binary", "@" + body_file,
                                 url + "/api/v1/webhook"});
  ASSERT_TRUE(post.succeeded()) << post.output;
  EXPECT_NE(post.output.find("\"status\":\"ok\""), std::string::npos) << post.output;
  const auto scrape = run_command({"curl", "-sS", "--fail", "--cacert", cert_.cert, url + "/metrics"});
  ASSERT_TRUE(scrape.succeeded()) << scrape.output;
  EXPECT_EQ(pmx::testing::metric_value(scrape.output, "postmortem_occurrences_total"), 1.0);
  // Without the CA curl refuses the self-signed certificate.
  const auto untrusted = run_command({"curl", "-sS", "--fail", url + "/-/healthy"});
  EXPECT_FALSE(untrusted.succeeded()) << untrusted.output;
}

TEST_F(WebTls, PlainHttpAndUntrustedClientsFail) {
  const auto owned = tls_daemon();
  const Daemon& daemon = *owned;
  const HttpResponse plain = pmx::testing::http_get(daemon.port(), "/-/healthy");
  EXPECT_NE(plain.status, 200) << "plain HTTP answered on the TLS port: " << plain.body;
  const Certificate other = make_self_signed_certificate(dir_, "other");
  const HttpResponse untrusted = https_request(daemon.port(), other.cert, "GET", "/-/healthy");
  EXPECT_EQ(untrusted.status, 0) << "a certificate from another CA was accepted";
  // And the daemon is fine after both.
  EXPECT_TRUE(IsOk(daemon.get("/-/healthy")));
}

/// `openssl s_client` to the daemon with `options` (protocol, cipher), `input` on its stdin: it
/// succeeds when the handshake does.
pmx::testing::CommandResult s_client(int port, const std::string& ca_file,
                                     const std::vector<std::string>& options,
                                     const std::string& input = "") {
  std::vector<std::string> argv{
      "openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-CAfile", ca_file};
  argv.insert(argv.end(), options.begin(), options.end());
  return run_command(argv, input, std::chrono::seconds(10));
}

// TLS 1.2 and 1.3 only, TLS 1.2 with AEAD suites with forward secrecy only (no CBC, no SHA-1
// MAC, no static RSA key exchange), and no renegotiation started by a client.
TEST_F(WebTls, OnlyTls12UpWithAeadSuitesAndNoClientRenegotiation) {
  const auto owned = tls_daemon();
  const int port = owned->port();
  for (const std::string cipher : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
                                   "ECDHE-ECDSA-AES128-SHA256", "AES128-SHA"}) {
    const auto refused = s_client(port, cert_.cert, {"-tls1_2", "-cipher", cipher});
    EXPECT_FALSE(refused.succeeded()) << cipher << " was accepted:\n" << refused.output;
  }
  // Old protocols, even with a client willing to use them.
  for (const std::string protocol : {"-tls1", "-tls1_1"}) {
    const auto refused = s_client(port, cert_.cert, {protocol, "-cipher", "DEFAULT@SECLEVEL=0"});
    EXPECT_FALSE(refused.succeeded()) << protocol << " was accepted:\n" << refused.output;
  }
  for (const std::string cipher : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                                   "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
    const auto accepted = s_client(port, cert_.cert, {"-tls1_2", "-cipher", cipher});
    EXPECT_TRUE(accepted.succeeded()) << cipher << " was refused:\n" << accepted.output;
    EXPECT_NE(accepted.output.find("Cipher is " + cipher), std::string::npos) << accepted.output;
  }
  const auto tls13 = s_client(port, cert_.cert, {"-tls1_3"});
  EXPECT_TRUE(tls13.succeeded()) << tls13.output;
  EXPECT_NE(tls13.output.find("TLSv1.3"), std::string::npos) << tls13.output;
  // "R" on its input makes s_client renegotiate; the daemon answers no_renegotiation.
  const auto renegotiation = s_client(port, cert_.cert, {"-tls1_2"}, "R\n");
  EXPECT_NE(renegotiation.output.find("RENEGOTIATING"), std::string::npos) << renegotiation.output;
  EXPECT_NE(renegotiation.output.find("no renegotiation"), std::string::npos)
      << renegotiation.output;
  EXPECT_TRUE(IsOk(owned->get("/-/healthy")));
}

TEST_F(WebTls, BadTlsFlagsAreStartUpErrorsNamingTheFile) {
  expect_start_up_error({"--web.tls-cert-file=" + cert_.cert}, "go together");
  expect_start_up_error({"--web.tls-key-file=" + cert_.key}, "go together");
  const std::string missing = dir_ + "/missing.crt";
  expect_start_up_error({"--web.tls-cert-file=" + missing, "--web.tls-key-file=" + cert_.key},
                        "cannot read " + missing);
  const std::string garbage = write_file(dir_ + "/garbage.pem", "not a certificate\n");
  expect_start_up_error({"--web.tls-cert-file=" + garbage, "--web.tls-key-file=" + cert_.key},
                        "no PEM certificate in " + garbage);
  expect_start_up_error({"--web.tls-cert-file=" + cert_.cert, "--web.tls-key-file=" + garbage},
                        "private key in " + garbage);
  // The key file holding a certificate, and the key of another certificate.
  expect_start_up_error({"--web.tls-cert-file=" + cert_.cert, "--web.tls-key-file=" + cert_.cert},
                        cert_.cert);
  const Certificate other = make_self_signed_certificate(dir_, "other");
  expect_start_up_error({"--web.tls-cert-file=" + cert_.cert, "--web.tls-key-file=" + other.key},
                        "does not belong to the certificate in " + cert_.cert);
}

}  // namespace
}  // namespace pmx::e2e
