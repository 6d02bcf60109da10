// Hostile input against the real binary: a flood of distinct sources, deeply nested and huge
// JSON, invalid UTF-8, label values made to break the exposition format, and slow clients. The
// daemon must answer each with a clear status, keep /metrics valid for promtool, keep its series
// and memory bounded, free its workers after --web.read-timeout, and never crash.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "command.h"
#include "e2e.h"
#include "metrics_text.h"
#include "raw_connection.h"

namespace pmx::e2e {
namespace {

using pmx::testing::GeneratedAlert;
using pmx::testing::kFixtureToken;
using pmx::testing::make_webhook;
using pmx::testing::parse_metrics;
using pmx::testing::RawConnection;
using pmx::testing::read_fixture;
using Clock = std::chrono::steady_clock;

/// Resident memory of a process in KiB, from /proc/<pid>/status.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

/// Passes when promtool finds nothing to say about the exposition.
::testing::AssertionResult PromtoolClean(const std::string& exposition) {
  const auto check = pmx::testing::run_command({"promtool", "check", "metrics"}, exposition,
                                               std::chrono::seconds(60));
  if (check.succeeded() && check.output.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "promtool: " << check.output.substr(0, 2000);
}

/// One alert as Alertmanager sends it, with arbitrary (already JSON-encoded) label text.
std::string raw_webhook(const std::string& labels_json) {
  return R"({"version":"4","status":"firing","receiver":"pm","groupKey":"{}","alerts":[)"
         R"({"status":"firing","labels":)" +
         labels_json +
         R"(,"annotations":{},"startsAt":"2026-11-24T10:00:00Z","endsAt":"0001-01-01T00:00:00Z",)"
         R"("fingerprint":"f00d"}]})";
}

/// The value of a label in the text format: backslash, quote and newline escaped.
std::string exposition_escape(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

TEST(HostileInput, TensOfThousandsOfSourcesStayCappedAndBounded) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan (scripts/sanitize.sh), which looks for memory errors, not for the scale, a
  // quarter: the same caps and the same linear bound, in about 35 s of CI instead of 144.
  constexpr int kSources = 24'000;  // a multiple of 2 * kBatch: the half is measured
#else
  constexpr int kSources = 100'000;
#endif
  constexpr int kBatch = 1'000;
  constexpr int kTopSources = 50;
  // The in-memory store: the bound below is on its growth, and what is capped is the export,
  // whatever the store (SQLite would spend most of this test's CI time ingesting 100,000 sources).
  Daemon daemon(Daemon::Options{
      "",
      kFixtureToken,
      {"--metrics.top-sources=" + std::to_string(kTopSources), "--storage.in-memory"}});
  const long rss_before = rss_kib(daemon.process().pid());
  long rss_half = 0;
  const auto start = Clock::now();
  for (int first = 0; first < kSources; first += kBatch) {
    if (first == kSources / 2) rss_half = rss_kib(daemon.process().pid());
    std::vector<GeneratedAlert> alerts;
    for (int i = first; i < first + kBatch; ++i) {
      // A handful of sources fire more than once, so the top is well defined.
      const int n = i < 10 ? 3 : 1;
      for (int k = 0; k < n; ++k) {
        alerts.push_back({"Flood" + std::to_string(i), "svc-" + std::to_string(i % 977),
                          "i-" + std::to_string(k), "2026-11-24T10:00:00Z", "", false});
      }
    }
    const HttpResponse r = daemon.post_webhook(make_webhook(alerts));
    ASSERT_TRUE(IsOk(r)) << "batch at " << first << "\n" << daemon.log_tail();
  }
  const double ingest_seconds = std::chrono::duration<double>(Clock::now() - start).count();

  const auto scrape_start = Clock::now();
  const std::string metrics = daemon.metrics();
  const double scrape_seconds = std::chrono::duration<double>(Clock::now() - scrape_start).count();
  const long rss_after = rss_kib(daemon.process().pid());
  std::cout << "[ measured ] " << kSources << " sources ingested in " << ingest_seconds
            << " s; scrape " << scrape_seconds << " s, " << metrics.size() << " bytes; RSS "
            << rss_before / 1024 << " -> " << rss_half / 1024 << " (half) -> "
            << rss_after / 1024 << " MiB\n";

  std::size_t series = 0;
  for (const auto& sample : parse_metrics(metrics)) {
    if (sample.name == "postmortem_source_occurrences") ++series;
  }
  EXPECT_EQ(series, static_cast<std::size_t>(kTopSources));
  EXPECT_EQ(pmx::testing::metric_value(metrics, "postmortem_source_occurrences",
                                       {{"source", pmx::testing::source_key("Flood0", "svc-0")}}),
            3.0);
  EXPECT_EQ(pmx::testing::metric_value(metrics, "postmortem_occurrences_total"), kSources + 20.0);
  EXPECT_EQ(pmx::testing::metric_value(metrics, "postmortem_incidents_open"), kSources);
  EXPECT_TRUE(PromtoolClean(metrics));

  // The in-memory store keeps every source, its open incident (with its alert, labels,
  // annotations and timeline) and every occurrence in memory by design: that growth is linear,
  // and it is the only one. Measured on Debian 12 x86-64 (this test, 1,000-alert webhooks):
  // RSS 10 -> 241 MiB at 50,000 sources -> 455 MiB at 100,000, i.e. about 4.6 KiB per source,
  // the same in both halves. The bound allows 6 KiB per source plus 64 MiB of arenas, stacks
  // and a webhook being parsed: a regression that keeps request bodies or grows faster than
  // linearly fails, allocator noise does not. Redis is the store for fleets this size.
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan (scripts/sanitize.sh) the daemon's RSS also holds shadow memory, redzones and the
  // quarantine of freed blocks: about twice as much. The linear-growth check below still holds.
  constexpr long kBoundKiB = 2 * (64 * 1024 + kSources * 6) + 256 * 1024;
#else
  constexpr long kBoundKiB = 64 * 1024 + kSources * 6;
#endif
  EXPECT_LT(rss_after, kBoundKiB) << "RSS " << rss_after << " KiB for " << kSources << " sources";
  EXPECT_LT(rss_after - rss_half, (rss_half - rss_before) * 3 / 2)
      << "the second half of the sources cost much more than the first: growth is not linear";

  // The API pages through them and stays healthy.
  const auto sources = daemon.get_json("/api/v1/sources?limit=1000");
  EXPECT_EQ(sources["sources"].size(), 1000u);
  EXPECT_TRUE(IsOk(daemon.get("/-/healthy")));
}

// ---------------------------------------------------------------------------------------------

class HostileBodies : public ::testing::Test {
 protected:
  HostileBodies() : daemon_(Daemon::Options{"", kFixtureToken, {"--web.max-request-bytes=4194304"}}) {}

  /// Posts and expects `status` with a JSON error; returns the error message.
  std::string expect_error(const std::string& body, int status) {
    const HttpResponse r = daemon_.post_webhook(body);
    EXPECT_TRUE(IsStatus(r, status)) << daemon_.log_tail();
    const auto error = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_TRUE(error.is_object() && error.contains("error")) << r.body.substr(0, 500);
    return error.is_object() ? error.value("error", "") : "";
  }

  /// Scrapes, checks the exposition with promtool, returns it.
  std::string clean_metrics() {
    const std::string metrics = daemon_.metrics();
    EXPECT_TRUE(PromtoolClean(metrics));
    return metrics;
  }

  Daemon daemon_;
};

TEST_F(HostileBodies, DeeplyNestedJsonIsRefused) {
  for (const int depth : {100'000, 1'000'000}) {
    SCOPED_TRACE(depth);
    // Unclosed, closed, and nested inside a label value.
    expect_error(std::string(depth, '['), 400);
    expect_error(std::string(depth, '[') + std::string(depth, ']'), 400);
    const std::string nested = std::string(depth, '[') + std::string(depth, ']');
    const std::string message = expect_error(raw_webhook(R"({"alertname":)" + nested + "}"), 400);
    // Refused for its depth while read (kMaxJsonDepth), naming where, before any tree is built.
    EXPECT_NE(message.find("JSON nested deeper than 32 levels at /alerts/0/labels/alertname/0"),
              std::string::npos)
        << message.substr(0, 300);
  }
  EXPECT_TRUE(IsOk(daemon_.get("/-/healthy")));
  EXPECT_EQ(metric_or_zero(daemon_, "postmortem_webhook_requests_total", {{"code", "400"}}), 6.0);
}

TEST_F(HostileBodies, HugeBodiesAre413AndABigLabelIsFine) {
  {  // Refused from its declared length, before the body is sent.
    RawConnection connection(daemon_.port());
    connection.send("POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    kFixtureToken + "\r\nContent-Length: " + std::to_string(4 * 1024 * 1024 + 1) +
                    "\r\n\r\n");
    const auto answer = connection.read_response();
    EXPECT_EQ(answer.status, 413) << answer.head;
    EXPECT_EQ(nlohmann::json::parse(answer.body).value("error", ""),
              "request body exceeds --web.max-request-bytes");
  }

  // Under the limit: one label value of 1 MiB is stored, listed and exported.
  const std::string big(1024 * 1024, 'x');
  const HttpResponse ok =
      daemon_.post_webhook(raw_webhook(R"({"alertname":"Big","service":")" + big + "\"}"));
  ASSERT_TRUE(IsOk(ok)) << daemon_.log_tail();
  // Listed whole, and addressable by id (the key itself is longer than any request line
  // httplib accepts: 8 KiB).
  const auto sources = daemon_.get_json("/api/v1/sources")["sources"];
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0]["labels"].value("service", ""), big);
  const auto by_id = daemon_.get_json("/api/v1/sources/" + sources[0].value("id", ""));
  EXPECT_EQ(by_id.value("key", ""), pmx::testing::source_key("Big", big));
  const std::string metrics = clean_metrics();
  EXPECT_EQ(pmx::testing::metric_value(metrics, "postmortem_source_occurrences",
                                       {{"source", pmx::testing::source_key("Big", big)}}),
            1.0);
}

TEST_F(HostileBodies, InvalidUtf8IsRefusedNamingTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"in a value", raw_webhook("{\"alertname\":\"Bad\xff\xfe\",\"service\":\"x\"}")},
      {"in a key", raw_webhook("{\"alert\xc3\x28name\":\"Bad\",\"service\":\"x\"}")},
      {"truncated sequence", raw_webhook("{\"alertname\":\"Bad\xe2\x82\",\"service\":\"x\"}")},
      {"overlong encoding", raw_webhook("{\"alertname\":\"Bad\xc0\xaf\",\"service\":\"x\"}")},
      {"lone surrogate escape", raw_webhook(R"({"alertname":"Bad\udc80","service":"x"})")},
  };
  for (const auto& [what, body] : cases) {
    SCOPED_TRACE(what);
    const std::string message = expect_error(body, 400);
    EXPECT_NE(message.find("invalid JSON at byte"), std::string::npos) << message;
    EXPECT_TRUE(message.find("UTF-8") != std::string::npos ||
                message.find("surrogate") != std::string::npos)
        << message;
  }
  EXPECT_TRUE(daemon_.get_json("/api/v1/sources")["sources"].empty());
  clean_metrics();
}

TEST_F(HostileBodies, QuotesBackslashesAndNewlinesRoundTripThroughTheExposition) {
  // Regression: a \r in a label value made GET /api/v1/sources/{key} 404 (the route's `.`).
  // Valid JSON whose label values are made to break a naive exposition: quotes, backslashes
  // (also before a quote and an `n`), newlines, a `}` and a `#`, and multi-byte UTF-8.
  const std::string alertname = "Say \"hi\" \\ and \\\" and \\n} # x";
  const std::string service = "line1\nline2\r\ttab ünïcødé ✓";
  const nlohmann::json labels{{"alertname", alertname}, {"service", service}};
  ASSERT_TRUE(IsOk(daemon_.post_webhook(raw_webhook(labels.dump())))) << daemon_.log_tail();
  const std::string key = "alertname=\"" + exposition_escape(alertname) + "\",service=\"" +
                          exposition_escape(service) + "\"";

  const std::string metrics = clean_metrics();
  std::vector<std::string> exported;
  for (const auto& sample : parse_metrics(metrics)) {
    if (sample.name == "postmortem_source_occurrences") exported.push_back(sample.labels.at("source"));
  }
  ASSERT_EQ(exported.size(), 1u) << metrics;
  EXPECT_EQ(exported[0], key);
  const auto source = daemon_.source(key);  // the key, URL-encoded, finds the source again
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ((*source)["labels"].value("alertname", ""), alertname);
  EXPECT_EQ((*source)["labels"].value("service", ""), service);
  EXPECT_EQ(pmx::testing::metric_type(metrics, "postmortem_source_occurrences"), "gauge");
}

// ---------------------------------------------------------------------------------------------
// Slow clients.

TEST(SlowClients, StalledClientsHoldWorkersOnlyForTheReadTimeout) {
  constexpr int kWorkers = 4;
  constexpr auto kReadTimeout = std::chrono::seconds(1);
  Daemon daemon(Daemon::Options{"", kFixtureToken, {"--web.max-connections=" + std::to_string(kWorkers), "--web.read-timeout=1s"}});
  const std::string webhook = read_fixture("01-firing-group-checkout.json");

  // Every worker taken: half stall in the headers (slowloris), half never send the body.
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kWorkers; ++i) {
    slow.push_back(std::make_unique<RawConnection>(daemon.port()));
    if (i % 2 == 0) {
      slow.back()->send("POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ");
    } else {
      slow.back()->send("POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/json\r\nAuthorization: Bearer " + kFixtureToken +
                        "\r\nContent-Length: " + std::to_string(webhook.size()) + "\r\n\r\n" +
                        webhook.substr(0, 10));
    }
  }
  // A normal client queues behind them and is answered once their read timeout frees a worker.
  const auto start = Clock::now();
  const HttpResponse answer = daemon.post_webhook(webhook);
  const auto waited = Clock::now() - start;
  ASSERT_TRUE(IsOk(answer)) << daemon.log_tail();
  // Deadline, not a benchmark: one read timeout, plus generous slack for a loaded CI machine.
  EXPECT_LT(waited, kReadTimeout + std::chrono::seconds(3))
      << std::chrono::duration<double>(waited).count() << " s";
  // The server has dropped every stalled connection by itself.
  EXPECT_TRUE(pmx::testing::poll_until(
      [&] {
        for (auto& connection : slow) {
          if (!connection->closed_by_server()) return false;
        }
        return true;
      },
      kReadTimeout + std::chrono::seconds(5)));
  // Nothing of the half-sent webhooks was stored: one occurrence pair, from the normal client.
  EXPECT_EQ(metric_or_zero(daemon, "postmortem_occurrences_total"), 2.0);
  EXPECT_TRUE(IsOk(daemon.get("/-/healthy")));
}

}  // namespace
}  // namespace pmx::e2e
