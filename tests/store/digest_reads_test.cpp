// Queries::digest reads the incidents of its period through the Store interface, which lists
// them newest first only: in growing pages past the first 500, and the older incidents named by
// a post-mortem published in the period one by one.
#include <gtest/gtest.h>

#include "pmx/core/rca_loader.h"
#include "pmx/service/ingestor.h"
#include "pmx/service/queries.h"
#include "pmx/store/memory_store.h"

namespace pmx {
namespace {

UnixNanos at(const char* rfc3339) { return parse_rfc3339(rfc3339).value(); }

const DigestPeriod kOctober{at("2026-10-01T00:00:00Z"), at("2026-11-01T00:00:00Z")};
const UnixNanos kNow = at("2026-11-10T00:00:00Z");
constexpr UnixNanos kMinute = 60 * kNanosPerSecond;

class DigestReadsTest : public ::testing::Test {
 protected:
  /// One critical incident of source `name`, opened at `opened` (and resolved an hour later when
  /// `resolve`).
  void incident(const std::string& name, UnixNanos opened, bool resolve = false) {
    Alert alert;
    alert.labels = {{"alertname", name}, {"service", "svc"}, {"severity", "critical"}};
    alert.fingerprint = name;
    alert.starts_at = opened;
    alerts_.push_back(alert);
    if (!resolve) return;
    alert.status = AlertStatus::kResolved;
    alert.ends_at = opened + 60 * kMinute;
    resolves_.push_back(alert);
  }
  void ingest() {
    ASSERT_TRUE(ingestor_.ingest(alerts_, kNow).ok());
    ASSERT_TRUE(ingestor_.ingest(resolves_, kNow).ok());
  }
  std::string id_of(const std::string& name) {
    IncidentFilter filter;
    filter.limit = 100'000;
    const auto listed = store_.list_incidents(filter);
    for (const auto& i : *listed) {
      if (i.source.find("\"" + name + "\"") != std::string::npos) return i.id;
    }
    return "";
  }
  Digest digest() {
    auto digest = queries_.digest(kOctober, kNow, PostmortemPolicy());
    EXPECT_TRUE(digest.ok()) << digest.error().message();
    return *digest;
  }

  MemoryStore store_;
  Ingestor ingestor_{store_, IngestConfig()};
  Queries queries_{store_};
  std::vector<Alert> alerts_, resolves_;
};

// 600 incidents opened in October (one a minute from 10-02) and 100 in September: the first
// page (500 newest) is all October, so a second is read, which holds every one.
TEST_F(DigestReadsTest, ReadsPastTheFirstPage) {
  for (int n = 0; n < 600; ++n) {
    incident("oct" + std::to_string(n), at("2026-10-02T00:00:00Z") + n * kMinute);
  }
  for (int n = 0; n < 100; ++n) {
    incident("sep" + std::to_string(n), at("2026-09-02T00:00:00Z") + n * kMinute);
  }
  ingest();
  const Digest d = digest();
  EXPECT_EQ(d.kpis.repeats.whole, 600);
  EXPECT_TRUE(d.incomplete.empty()) << d.incomplete;
}

// 499 incidents in October, one in May (before 10-01 − 90 days = 07-03) and, older still, the
// one a post-mortem published in October names (resolved 01-10 01:00, published 01-20 01:00).
// The first page of 500 ends in May, past the lookback: the January incident is not listed but
// fetched by its id, and its time to post-mortem counted.
TEST_F(DigestReadsTest, FetchesTheOlderIncidentsOfThePostmortemsPublished) {
  for (int n = 0; n < 499; ++n) {
    incident("oct" + std::to_string(n), at("2026-10-02T00:00:00Z") + n * kMinute);
  }
  incident("may", at("2026-05-01T00:00:00Z"));
  incident("jan", at("2026-01-10T00:00:00Z"), true);
  ingest();
  const nlohmann::json doc = {{"id", "rca-jan"},       {"title", "January, written late"},
                              {"status", "published"}, {"incidents", {id_of("jan")}},
                              {"root_cause", "Late."}, {"published_at", "2026-10-20T01:00:00Z"}};
  ASSERT_TRUE(store_.put_rca(*load_rca(doc), 0, {}).ok());
  const Digest d = digest();
  // 2026-01-10 01:00 → 2026-10-20 01:00: 21 days of January + 28 + 31 + 30 + 31 + 30 + 31 + 31
  // + 30 + 20 = 283 days.
  EXPECT_EQ(d.kpis.time_to_postmortem, (std::vector<UnixNanos>{283 * kNanosPerDay}));
  EXPECT_EQ(d.kpis.repeats.whole, 499);
  EXPECT_TRUE(d.incomplete.empty()) << d.incomplete;
}

}  // namespace
}  // namespace pmx
