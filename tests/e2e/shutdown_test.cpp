// SIGTERM while Alertmanager is delivering: requests already being served are finished with a
// complete 200 (and what was acknowledged is stored), the rest are refused or dropped before
// any byte is answered (Alertmanager retries those), and the process exits 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "e2e.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using Clock = std::chrono::steady_clock;

/// What a client saw of one request: httplib cannot tell "no answer" from "half an answer",
/// so this is a raw HTTP/1.1 exchange with `Connection: close`.
struct Exchange {
  enum Outcome { kRefused, kNoAnswer, kPartial, kComplete } outcome = kRefused;
  int status = 0;
  std::string body;
  Clock::time_point sent, done;
};

Exchange raw_post(int port, const std::string& body) {
  Exchange ex;
  ex.sent = Clock::now();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    ex.done = Clock::now();
    return ex;
  }
  const std::string request = "POST /api/v1/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: Bearer " + pmx::testing::kFixtureToken +
                              "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                              body;
  std::size_t written = 0;
  while (written < request.size()) {
    const ssize_t n = send(fd, request.data() + written, request.size() - written, MSG_NOSIGNAL);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buf[8192];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  close(fd);
  ex.done = Clock::now();
  ex.outcome = Exchange::kNoAnswer;
  if (answer.empty()) return ex;
  ex.outcome = Exchange::kPartial;
  const std::size_t header_end = answer.find("\r\n\r\n");
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) return ex;
  ex.status = std::atoi(answer.c_str() + 9);
  std::string headers = answer.substr(0, header_end);
  for (auto& c : headers) c = static_cast<char>(std::tolower(c));
  const std::size_t cl = headers.find("\r\ncontent-length:");
  if (cl == std::string::npos) return ex;
  const auto length = std::stoul(headers.substr(cl + 17));
  ex.body = answer.substr(header_end + 4);
  if (ex.body.size() == length) ex.outcome = Exchange::kComplete;
  return ex;
}

/// A webhook with `alerts` new alerts in a source of its own (service "drill-<sender>-<request>"):
/// big enough to keep the daemon busy for a moment, and no two requests contend for a source.
std::string unique_webhook(int sender, int request, int alerts) {
  std::vector<pmx::testing::GeneratedAlert> list;
  const std::string service = "drill-" + std::to_string(sender) + "-" + std::to_string(request);
  for (int i = 0; i < alerts; ++i) {
    list.push_back({"ShutdownDrill", service, "i-" + std::to_string(i), "2026-11-24T10:00:00Z", "",
                    false});
  }
  return pmx::testing::make_webhook(list);
}

/// Occurrences stored for all drill sources together.
long long drill_occurrences(const Daemon& daemon) {
  long long total = 0;
  const auto sources = daemon.get_json("/api/v1/sources");
  for (const auto& source : sources["sources"]) {
    if (source["labels"].value("alertname", "") == "ShutdownDrill") {
      total += source.value("occurrences", 0LL);
    }
  }
  return total;
}

/// Joins the sender threads on every path out of the test, failed assertions included.
struct JoinAll {
  std::vector<std::thread>& threads;
  std::atomic<bool>& stop;
  ~JoinAll() {
    stop = true;
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

TEST(Shutdown, SigtermFinishesInFlightRequestsAndExitsZero) {
  pmx::testing::RedisServer redis;
  Daemon::Options options;
  options.redis_url = redis.url();
  options.flags = {"--web.max-request-bytes=16777216"};
  auto daemon = std::make_unique<Daemon>(options);
  const int port = daemon->port();

  constexpr int kSenders = 8, kAlertsPerRequest = 200;
  std::mutex mu;
  std::vector<Exchange> exchanges;
  std::atomic<int> completed{0};
  std::atomic<bool> server_gone{false};
  std::vector<std::thread> senders;
  JoinAll join_all{senders, server_gone};
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (int r = 0; r < 10000 && !server_gone; ++r) {
        Exchange ex = raw_post(port, unique_webhook(s, r, kAlertsPerRequest));
        if (ex.outcome == Exchange::kComplete) ++completed;
        if (ex.outcome == Exchange::kRefused) server_gone = true;
        std::lock_guard<std::mutex> lock(mu);
        exchanges.push_back(std::move(ex));
      }
    });
  }
  ASSERT_TRUE(pmx::testing::poll_until([&] { return completed >= 2 * kSenders; },
                                       std::chrono::seconds(15)))
      << "the daemon never got busy\n" << daemon->log_tail();

  const auto sigterm_at = Clock::now();
  const int status = daemon->process().stop(std::chrono::seconds(10));  // one SIGTERM, then wait
  const auto exit_after = Clock::now() - sigterm_at;
  server_gone = true;
  for (auto& t : senders) t.join();

  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "exit status " << status << " (-1: still running after 10 s, SIGKILLed)\n"
      << daemon->log_tail();

  long long acknowledged = 0, attempted = 0;
  int in_flight_finished = 0, dropped = 0;
  for (const auto& ex : exchanges) {
    EXPECT_NE(ex.outcome, Exchange::kPartial) << "a truncated answer: " << ex.body.substr(0, 200);
    if (ex.outcome == Exchange::kRefused) continue;
    attempted += kAlertsPerRequest;
    if (ex.outcome == Exchange::kNoAnswer) {
      ++dropped;
      continue;
    }
    if (ex.outcome != Exchange::kComplete) continue;
    EXPECT_EQ(ex.status, 200) << ex.body;
    const auto answer = nlohmann::json::parse(ex.body, nullptr, false);
    if (!answer.is_object()) {
      ADD_FAILURE() << "a 200 without a JSON object: " << ex.body.substr(0, 200);
      continue;
    }
    EXPECT_EQ(answer.value("status", ""), "ok") << ex.body;
    acknowledged += answer.value("occurrences", 0LL);
    if (ex.sent < sigterm_at && ex.done > sigterm_at) ++in_flight_finished;
  }
  EXPECT_GE(in_flight_finished, 1)
      << "no request in flight at SIGTERM was finished (" << dropped << " dropped, exit after "
      << std::chrono::duration_cast<std::chrono::milliseconds>(exit_after).count() << " ms)";

  // What was acknowledged is stored: a new daemon on the same Redis sees at least that much
  // (and no more than was sent: a dropped request may or may not have been stored).
  daemon = std::make_unique<Daemon>(options);
  const long long stored = drill_occurrences(*daemon);
  EXPECT_GE(stored, acknowledged);
  EXPECT_LE(stored, attempted);
  std::cout << "[ shutdown ] " << exchanges.size() << " requests, " << in_flight_finished
            << " finished after SIGTERM, " << dropped << " dropped unanswered, exit after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(exit_after).count()
            << " ms\n";
}

}  // namespace
}  // namespace pmx::e2e
