// What a client without credentials on the pod network can do to the real binary: huge chunked
// or compressed bodies, amplifying Range requests, endless headers, slow and idle connections,
// Expect: 100-continue. Each attack is a bounded loop; the daemon must refuse it from the
// request head, keep its peak memory under 64 MB, and keep answering its probes and webhooks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "alertmanager.h"
#include "compression.h"
#include "e2e.h"
#include "raw_connection.h"

namespace pmx::e2e {
namespace {

using pmx::testing::compress;
using pmx::testing::kFixtureToken;
using pmx::testing::RawConnection;
using pmx::testing::RawResponse;
using pmx::testing::read_fixture;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kMaxRequestBytes = kMiB;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;  // shadow memory: only the growth is comparable
#else
constexpr bool kSanitized = false;
#endif

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

class UnauthenticatedClients : public ::testing::Test {
 protected:
  UnauthenticatedClients()
      : daemon_(Daemon::Options{
            "", kFixtureToken, {"--web.max-request-bytes=" + std::to_string(kMaxRequestBytes)}}),
        baseline_(pmx::testing::peak_rss_bytes(daemon_.process().pid())) {}

  /// The daemon's peak memory stayed under 64 MB (sanitizer builds: grew by less than that).
  void expect_memory_bounded() {
    const long peak = pmx::testing::peak_rss_bytes(daemon_.process().pid());
    ASSERT_GT(peak, 0);
    const long limit = 64 * static_cast<long>(kMiB);
    // In the XML report (--gtest_output=xml), for the figures quoted in README and notes.
    RecordProperty("peak_rss_kib", static_cast<int>(peak / 1024));
    if (kSanitized) {
      EXPECT_LT(peak - baseline_, limit) << "grew from " << baseline_ << " to " << peak;
    } else {
      EXPECT_LT(peak, limit) << "peak RSS " << peak / static_cast<long>(kMiB) << " MiB";
    }
  }

  /// A request head sent on a fresh connection, answered before any body byte is sent.
  RawResponse refused_from_head(RawConnection& connection, const std::string& head) {
    EXPECT_TRUE(connection.send(head));
    EXPECT_TRUE(connection.readable(milliseconds(3000))) << "no answer to the head alone";
    return connection.read_response();
  }

  /// Sends up to `total` bytes of `piece`; returns how many were sent before the server
  /// closed the connection.
  static std::size_t send_until_closed(RawConnection& connection, const std::string& piece,
                                       std::size_t total) {
    std::size_t sent = 0;
    while (sent < total && connection.send(piece)) sent += piece.size();
    return sent;
  }

  void expect_still_answering() {
    EXPECT_TRUE(IsOk(daemon_.get("/-/healthy")));
    EXPECT_TRUE(IsOk(daemon_.post_webhook(read_fixture("01-firing-group-checkout.json"))))
        << daemon_.log_tail();
  }

  Daemon daemon_;
  long baseline_;
};

TEST_F(UnauthenticatedClients, AChunkedBodyIsRefusedWith401BeforeAnyByteOfItIsRead) {
  const std::vector<std::string> routes = {"POST /api/v1/webhook", "PUT /api/v1/rcas/x",
                                           "PATCH /api/v1/rcas/x/action-items/y",
                                           "PUT /api/v1/rcas/x/incidents/y"};
  const std::string megabyte = chunk(std::string(kMiB, '['));
  for (const auto& route : routes) {
    RawConnection connection(daemon_.port());
    const RawResponse answer = refused_from_head(
        connection, route +
                        " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n");
    EXPECT_EQ(answer.status, 401) << route << ": " << answer.head;
    EXPECT_EQ(answer.header("WWW-Authenticate"), "Bearer realm=\"postmortem-exporter\"");
    EXPECT_EQ(nlohmann::json::parse(answer.body).value("error", ""),
              "missing or invalid credentials");
    // The attacker goes on sending 300 MB; the server has closed the connection.
    EXPECT_LT(send_until_closed(connection, megabyte, 300 * kMiB), 300 * kMiB) << route;
  }
  EXPECT_EQ(metric_or_zero(daemon_, "postmortem_webhook_requests_total", {{"code", "401"}}), 1.0);
  expect_memory_bounded();
  expect_still_answering();
}

TEST_F(UnauthenticatedClients, ACompressedBodyIsRefusedBeforeItIsDecompressed) {
  const std::string bomb = compress(std::string(200 * kMiB, '\0'));  // ~200 KB on the wire
  RawConnection connection(daemon_.port());
  const RawResponse answer =
      refused_from_head(connection,
                        "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
                        "Content-Length: " +
                            std::to_string(bomb.size()) + "\r\n\r\n");
  EXPECT_EQ(answer.status, 401) << answer.head;
  connection.send(bomb);
  EXPECT_TRUE(connection.closed_by_server(milliseconds(3000)));
  expect_memory_bounded();
  expect_still_answering();
}

TEST_F(UnauthenticatedClients, TheLimitAppliesToTheBodyAfterDechunkingAndDecompression) {
  const std::string auth = "Authorization: Bearer " + kFixtureToken + "\r\n";
  const std::string webhook = read_fixture("01-firing-group-checkout.json");
  {  // A small gzip webhook is decompressed and stored.
    const std::string body = compress(webhook);
    RawConnection connection(daemon_.port());
    connection.send("POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\n" + auth +
                    "Content-Encoding: gzip\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
    const RawResponse answer = connection.read_response();
    ASSERT_EQ(answer.status, 200) << answer.head << answer.body << daemon_.log_tail();
    EXPECT_EQ(nlohmann::json::parse(answer.body).value("occurrences", -1), 2);
  }
  {  // A chunked one within the limit too, in small chunks.
    RawConnection connection(daemon_.port());
    std::string request = "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\n" + auth +
                          "Transfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < webhook.size(); at += 100)
      request += chunk(webhook.substr(at, 100));
    connection.send(request + "0\r\n\r\n");
    const RawResponse answer = connection.read_response();
    ASSERT_EQ(answer.status, 200) << answer.head << answer.body;
    EXPECT_EQ(nlohmann::json::parse(answer.body).value("duplicates", -1), 2);
  }
  {  // 200 KB of gzip that would be 3 MB of JSON: 413 while decompressing, and closed.
    std::string padded = webhook;
    padded.insert(padded.rfind('}'), ",\"x\":\"" + std::string(3 * kMiB, 'a') + "\"");
    const std::string body = compress(padded);
    ASSERT_LT(body.size(), kMaxRequestBytes);
    RawConnection connection(daemon_.port());
    connection.send("POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\n" + auth +
                    "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n\r\n" + body);
    const RawResponse answer = connection.read_response();
    EXPECT_EQ(answer.status, 413) << answer.head << answer.body;
    EXPECT_EQ(answer.header("Connection"), "close");
    EXPECT_TRUE(connection.closed_by_server(milliseconds(3000)));
  }
  {  // Chunks adding up past the limit: 413 the moment it is passed, and closed.
    RawConnection connection(daemon_.port());
    connection.send("POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\n" + auth +
                    "Transfer-Encoding: chunked\r\n\r\n");
    const std::size_t sent =
        send_until_closed(connection, chunk(std::string(64 * 1024, ' ')), 300 * kMiB);
    EXPECT_LT(sent, 300 * kMiB);
    EXPECT_EQ(connection.read_response().status, 413);
  }
  {  // A declared length over the limit: 413 from the head alone.
    RawConnection connection(daemon_.port());
    const RawResponse answer = refused_from_head(
        connection, "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\n" + auth +
                        "Content-Length: " + std::to_string(kMaxRequestBytes + 1) + "\r\n\r\n");
    EXPECT_EQ(answer.status, 413) << answer.head;
    EXPECT_NE(answer.body.find("--web.max-request-bytes"), std::string::npos) << answer.body;
  }
  {  // An encoding it cannot decode: 415 naming it.
    RawConnection connection(daemon_.port());
    const RawResponse answer =
        refused_from_head(connection, "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\n" + auth +
                                          "Content-Encoding: br\r\nContent-Length: 5\r\n\r\n");
    EXPECT_EQ(answer.status, 415) << answer.head;
    EXPECT_NE(answer.body.find("br"), std::string::npos) << answer.body;
  }
  EXPECT_EQ(metric_or_zero(daemon_, "postmortem_webhook_requests_total", {{"code", "413"}}), 3.0);
  expect_memory_bounded();
  expect_still_answering();
}

TEST_F(UnauthenticatedClients, ExpectContinueIsAnsweredOnlyAfterCredentialsAndLength) {
  const std::string webhook = read_fixture("01-firing-group-checkout.json");
  const std::string head =
      "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Content-Type: application/json\r\n";
  {
    RawConnection connection(daemon_.port());
    const RawResponse answer = refused_from_head(
        connection, head + "Content-Length: " + std::to_string(webhook.size()) + "\r\n\r\n");
    EXPECT_EQ(answer.status, 401) << "no 100 Continue without credentials: " << answer.head;
  }
  const std::string auth = "Authorization: Bearer " + kFixtureToken + "\r\n";
  {
    RawConnection connection(daemon_.port());
    const RawResponse answer = refused_from_head(
        connection, head + auth + "Content-Length: " + std::to_string(10 * kMiB) + "\r\n\r\n");
    EXPECT_EQ(answer.status, 413) << "no 100 Continue for a body over the limit: " << answer.head;
  }
  {
    RawConnection connection(daemon_.port());
    const RawResponse go_on = refused_from_head(
        connection, head + auth + "Content-Length: " + std::to_string(webhook.size()) + "\r\n\r\n");
    EXPECT_EQ(go_on.status, 100) << go_on.head;
    connection.send(webhook);
    const RawResponse answer = connection.read_response();
    EXPECT_EQ(answer.status, 200) << answer.head << answer.body;
  }
  expect_memory_bounded();
}

TEST_F(UnauthenticatedClients, RangeRequestsGetTheWholeAnswerOnce) {
  std::string ranges = "bytes=0-";
  for (int i = 0; i < 2700; ++i) ranges += ",0-";
  ASSERT_TRUE(IsOk(daemon_.post_webhook(read_fixture("01-firing-group-checkout.json"))));
  for (const std::string path : {"/metrics", "/api/v1/incidents", "/api/v1/sources"}) {
    RawConnection connection(daemon_.port());
    connection.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nRange: " + ranges + "\r\n\r\n");
    const RawResponse answer = connection.read_response();
    EXPECT_EQ(answer.status, 200) << path << ": " << answer.head;
    EXPECT_EQ(answer.header("Content-Type").find("multipart"), std::string::npos) << path;
    EXPECT_LT(answer.body.size(), kMiB) << path;
    if (path != "/metrics") {
      EXPECT_TRUE(nlohmann::json::accept(answer.body))
          << path << ": " << answer.body.substr(0, 200);
    }
  }
  {  // A single range too: JSON stays whole.
    RawConnection connection(daemon_.port());
    connection.send("GET /api/v1/incidents HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\n\r\n");
    const RawResponse answer = connection.read_response();
    EXPECT_EQ(answer.status, 200) << answer.head;
    EXPECT_TRUE(nlohmann::json::accept(answer.body)) << answer.body;
  }
  expect_memory_bounded();
}

TEST_F(UnauthenticatedClients, HeadersAreBoundedInNumberAndSize) {
  const std::string head = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n";
  {  // 100 headers in all are fine.
    RawConnection connection(daemon_.port());
    std::string request = head;
    for (int i = 1; i < 100; ++i) request += "X-H" + std::to_string(i) + ": v\r\n";
    connection.send(request + "\r\n");
    EXPECT_EQ(connection.read_response().status, 200);
  }
  {  // 400,000 are refused after the 101st, and the connection closed.
    RawConnection connection(daemon_.port());
    connection.send(head);
    std::string thousand;
    for (int i = 0; i < 1000; ++i) thousand += "X-Flood: v\r\n";
    std::size_t sent = 0;
    while (sent < 400 && connection.send(thousand)) ++sent;
    EXPECT_LT(sent, 400u) << "still reading headers after 400,000";
    const RawResponse answer = connection.read_response();
    EXPECT_EQ(answer.status, 431) << answer.head;
    EXPECT_NE(answer.body.find("100 headers"), std::string::npos) << answer.body;
  }
  {  // 64 KiB of header bytes are refused however few the headers.
    RawConnection connection(daemon_.port());
    const RawResponse answer =
        refused_from_head(connection, head + "X-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n");
    EXPECT_EQ(answer.status, 431) << answer.head;
  }
  expect_memory_bounded();
  expect_still_answering();
}

TEST_F(UnauthenticatedClients,
       ProbesAndAlertmanagerGetThroughWhileSlowAndIdleClientsHoldConnections) {
  pmx::testing::Alertmanager::Options options;
  options.webhook_url = "http://127.0.0.1:" + std::to_string(daemon_.port()) + "/api/v1/webhook";
  options.bearer_token = kFixtureToken;
  pmx::testing::Alertmanager alertmanager(options);
  // 32 clients trickle a request head a byte at a time, 32 stay idle after a request.
  std::vector<std::unique_ptr<RawConnection>> slow;
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 32; ++i) {
    slow.push_back(std::make_unique<RawConnection>(daemon_.port()));
    slow.back()->send("GET /-/healthy HTTP/1.1\r\n");
    idle.push_back(std::make_unique<RawConnection>(daemon_.port()));
    idle.back()->send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(idle.back()->read_response().status, 200);
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    while (!done) {
      for (auto& connection : slow) connection->send("X");
      std::this_thread::sleep_for(milliseconds(200));  // the pace of the attack, not a wait
    }
  });

  for (const std::string path : {"/-/healthy", "/-/ready", "/-/healthy", "/-/ready"}) {
    const auto start = Clock::now();
    const HttpResponse answer = daemon_.get(path);
    const auto took = Clock::now() - start;
    EXPECT_TRUE(IsOk(answer)) << path;
    EXPECT_LT(took, milliseconds(1000))
        << path << " took " << std::chrono::duration<double>(took).count() << " s";
  }
  alertmanager.add_alert(
      {{"alertname", "Slowloris"}, {"service", "edge"}, {"severity", "critical"}},
      "2026-11-30T04:00:00Z");
  EXPECT_TRUE(pmx::testing::poll_until(
      [&] { return daemon_.source("alertname=\"Slowloris\",service=\"edge\"").has_value(); },
      std::chrono::seconds(15)))
      << alertmanager.log_tail() << daemon_.log_tail();
  done = true;
  trickle.join();
  expect_memory_bounded();
}

}  // namespace
}  // namespace pmx::e2e
