#pragma once
/// Shared helpers of the end-to-end tests: assertions that print what the daemon answered and
/// said in its log, and reads of the API objects the tests look at.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "command.h"
#include "daemon.h"
#include "webhooks.h"

namespace pmx::e2e {

using pmx::testing::Daemon;
using pmx::testing::HttpResponse;

/// Passes when the response has `status`; otherwise shows the status, transport error and body.
inline ::testing::AssertionResult IsStatus(const HttpResponse& r, int status) {
  if (r.status == status) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected HTTP " << status << ", got " << r.status
                                       << (r.error.empty() ? "" : " (" + r.error + ")")
                                       << " body: " << r.body.substr(0, 1000);
}
inline ::testing::AssertionResult IsOk(const HttpResponse& r) { return IsStatus(r, 200); }

/// The webhook answer we expect for each fixture: alerts in it, new occurrences, duplicates.
struct WebhookCounts {
  int alerts;
  int occurrences;
  int duplicates;
};

/// POSTs the fixtures in order, asserting each is accepted; returns the JSON answers.
inline std::vector<nlohmann::json> post_fixtures(const Daemon& daemon,
                                                 const std::vector<std::string>& names) {
  std::vector<nlohmann::json> answers;
  for (const auto& name : names) {
    const HttpResponse r = daemon.post_webhook(pmx::testing::read_fixture(name));
    EXPECT_TRUE(IsOk(r)) << name << "\n" << daemon.log_tail();
    answers.push_back(r.status == 200 ? r.json() : nlohmann::json());
  }
  return answers;
}

/// Checks one webhook answer against `{"status":"ok","alerts":N,"occurrences":..,"duplicates":..}`.
inline void expect_answer(const nlohmann::json& answer, const WebhookCounts& want,
                          const std::string& what) {
  SCOPED_TRACE(what + ": " + answer.dump());
  EXPECT_EQ(answer.value("status", ""), "ok");
  EXPECT_EQ(answer.value("alerts", -1), want.alerts);
  EXPECT_EQ(answer.value("occurrences", -1), want.occurrences);
  EXPECT_EQ(answer.value("duplicates", -1), want.duplicates);
}

/// Occurrences of a source from GET /api/v1/sources/{key}; -1 when the source is unknown.
inline long long source_occurrences(const Daemon& daemon, const std::string& key) {
  const auto source = daemon.source(key);
  return source ? source->value("occurrences", -2LL) : -1;
}

/// A metric that may not have been exported yet (no sample) reads as 0.
inline double metric_or_zero(const Daemon& daemon, const std::string& name,
                             const std::map<std::string, std::string>& labels = {}) {
  return daemon.metric(name, labels).value_or(0.0);
}

/// The "type" of every timeline entry of an incident, in order.
inline std::vector<std::string> timeline_types(const nlohmann::json& incident) {
  std::vector<std::string> types;
  for (const auto& e : incident.value("timeline", nlohmann::json::array())) {
    types.push_back(e.value("type", ""));
  }
  return types;
}

/// Runs the daemon with `flags`; it must refuse to start, saying `expected`, and not print the
/// contents of a key or certificate file.
inline void expect_start_up_error(std::vector<std::string> flags, const std::string& expected) {
  flags.insert(flags.begin(), {pmx::testing::daemon_path(), "--web.listen-address=127.0.0.1:0"});
  const auto result = pmx::testing::run_command(flags, "", std::chrono::seconds(10));
  EXPECT_FALSE(result.succeeded()) << result.output;
  EXPECT_NE(result.output.find(expected), std::string::npos)
      << "expected \"" << expected << "\" in: " << result.output;
  EXPECT_EQ(result.output.find("BEGIN"), std::string::npos) << "file contents in the log";
}

}  // namespace pmx::e2e
