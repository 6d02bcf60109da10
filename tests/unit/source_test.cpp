#include "pmx/core/source.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "pmx/core/source_ids.h"

namespace pmx {
namespace {

const std::vector<std::string> kDefaultLabels{"alertname", "service"};

TEST(SourceKey, CanonicalFormFollowsConfiguredLabelOrder) {
  const auto key = source_key_for(
      {{"service", "checkout"}, {"alertname", "HighLatency"}, {"instance", "web-1"}}, kDefaultLabels);
  EXPECT_EQ(key.canonical, R"(alertname="HighLatency",service="checkout")");
  EXPECT_EQ(key.labels, (Labels{{"alertname", "HighLatency"}, {"service", "checkout"}}));
  EXPECT_EQ(key.id.size(), 16u);
}

TEST(SourceKey, InstanceDoesNotSplitASource) {
  EXPECT_EQ(source_key_for({{"alertname", "A"}, {"service", "s"}, {"instance", "1"}}, kDefaultLabels),
            source_key_for({{"alertname", "A"}, {"service", "s"}, {"instance", "2"}}, kDefaultLabels));
}

TEST(SourceKey, MissingLabelIsAnEmptyValue) {
  const auto key = source_key_for({{"alertname", "Watchdog"}}, kDefaultLabels);
  EXPECT_EQ(key.canonical, R"(alertname="Watchdog",service="")");
  EXPECT_EQ(key, source_key_for({{"alertname", "Watchdog"}, {"service", ""}}, kDefaultLabels));
}

TEST(SourceKey, ValuesAreEscapedSoKeysAreUnambiguous) {
  const auto tricky = source_key_for({{"alertname", R"(a",service="b)"}}, kDefaultLabels);
  const auto plain = source_key_for({{"alertname", "a"}, {"service", "b"}}, kDefaultLabels);
  EXPECT_NE(tricky.canonical, plain.canonical);
  EXPECT_NE(tricky.id, plain.id);
  EXPECT_EQ(source_key_for({{"alertname", "x\ny"}}, kDefaultLabels).canonical,
            R"(alertname="x\ny",service="")");
}

TEST(SourceKey, IdIsStableAcrossRuns) {
  // FNV-1a 64 of the canonical key: part of the Redis key layout, so it must never change.
  EXPECT_EQ(source_id_for(""), "cbf29ce484222325");
  EXPECT_EQ(source_id_for("a"), "af63dc4c8601ec8c");
}

// The later candidate ids of a key (taken only when another source holds its first): distinct
// and stable, and candidate 0 is the id a source always had.
TEST(SourceKey, CandidateIdsAreDistinctAndStable) {
  EXPECT_EQ(source_id_candidate("a", 0), source_id_for("a"));
  std::set<std::string> ids;
  for (unsigned attempt = 0; attempt < kSourceIdCandidates; ++attempt) {
    const std::string id = source_id_candidate(R"(alertname="HighLatency")", attempt);
    EXPECT_EQ(id.size(), 16u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), std::size_t{kSourceIdCandidates});
  EXPECT_EQ(source_id_candidate("a", 1), source_id_candidate("a", 1));
  EXPECT_NE(source_id_candidate("a", 1), source_id_candidate("b", 1));
}

TEST(Occurrence, IdentifiedByFingerprintAndStartsAt) {
  Alert a;
  a.fingerprint = "6bb710ed11b2b558";
  a.starts_at = 100;
  Alert resent = a;
  resent.annotations["summary"] = "changed text";
  Alert refire = a;
  refire.starts_at = 200;
  EXPECT_EQ(occurrence_id(a), occurrence_id(resent));
  EXPECT_NE(occurrence_id(a), occurrence_id(refire));
}

TEST(LabelList, ParsesCommaSeparatedNames) {
  EXPECT_EQ(parse_label_list("alertname, service"), kDefaultLabels);
  EXPECT_EQ(parse_label_list("team"), std::vector<std::string>{"team"});
  EXPECT_THROW(parse_label_list(""), std::invalid_argument);
  EXPECT_THROW(parse_label_list("alertname,,service"), std::invalid_argument);
  EXPECT_THROW(parse_label_list("1abc"), std::invalid_argument);
}

}  // namespace
}  // namespace pmx
