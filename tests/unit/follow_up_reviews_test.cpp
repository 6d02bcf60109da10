// Follow-up reviews: one rule for the post-mortem draft and the reviews-due KPI.
#include "pmx/core/follow_up_reviews.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "calendar.h"
#include "pmx/core/kpi.h"
#include "pmx/core/postmortem_markdown.h"
#include "pmx/core/rca_loader.h"

namespace pmx {
namespace {

using nlohmann::json;
using unit::at;
using unit::kDay;

/// A published RCA with an open action item (reviews are due only while one is open), naming
/// `reviews` unless empty.
Rca published(const std::vector<std::string>& reviews) {
  json doc = json::parse(R"({
    "id": "RCA-1", "title": "Certificate expired", "status": "published",
    "root_cause": "Nobody owned the certificate.",
    "action_items": [{"id": "AI-1", "title": "Automate renewal", "type": "prevent",
      "priority": "P1", "owner": "ann", "due": "2026-04-15", "status": "open"}],
    "published_at": "2026-03-19T14:05:00Z"
  })");
  if (!reviews.empty()) doc["follow_up_reviews"] = reviews;
  auto loaded = load_rca(doc);
  EXPECT_TRUE(loaded.ok());
  return loaded ? *loaded : Rca{};
}

std::string day_of(UnixNanos t) { return format_rfc3339(t).substr(0, 10); }

/// The dates (YYYY-MM-DD) of the reviews-due KPI's entries for `rca`, by member number.
std::vector<std::string> kpi_review_dates(const Rca& rca) {
  std::vector<std::pair<std::string, UnixNanos>> entries;
  for (const auto& op : rca_kpi_ops(nullptr, &rca)) {
    if (op.kind == KpiOp::Kind::kIndexAdd && op.target == kpi_index::kReviews) {
      entries.emplace_back(op.member, op.at);
    }
  }
  std::sort(entries.begin(), entries.end());
  std::vector<std::string> dates;
  for (const auto& [member, when] : entries) dates.push_back(day_of(when));
  return dates;
}

/// The dates of the draft's Follow-up reviews lines whose text contains `kind`.
std::vector<std::string> draft_review_dates(const Rca& rca, const std::string& kind) {
  Incident incident;
  incident.id = "checkout-1";
  incident.opened_at = at("2026-03-14T09:01:30Z");
  incident.resolved_at = at("2026-03-14T09:52:00Z");
  const std::string md =
      render_postmortem_markdown(incident, {}, {rca}, {}, at("2026-12-01T12:00:00Z"));
  std::istringstream section(md.substr(md.find("\n## Follow-up reviews\n")));
  std::vector<std::string> dates;
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("- ", 0) == 0 && line.find(kind) != std::string::npos) {
      dates.push_back(line.substr(2, 10));
    }
  }
  return dates;
}

TEST(FollowUpReviews, NamedDatesAreDueFromTheStartOfTheirDay) {
  const auto reviews = follow_up_reviews(published({"2026-04-30", "2026-06-30"}), 0);
  ASSERT_EQ(reviews.size(), 2u);
  EXPECT_EQ(reviews[0].at, at("2026-04-30T00:00:00Z"));
  EXPECT_EQ(reviews[1].at, at("2026-06-30T00:00:00Z"));
  EXPECT_EQ(reviews[0].weeks_after, 0);
}

TEST(FollowUpReviews, TwoAndFourWeeksAfterTheBaseWhenNoneIsNamed) {
  const UnixNanos base = at("2026-03-19T14:05:00Z");
  const auto reviews = follow_up_reviews(published({}), base);
  ASSERT_EQ(reviews.size(), 2u);
  EXPECT_EQ(reviews[0].at, base + 14 * kDay);
  EXPECT_EQ(reviews[0].weeks_after, 2);
  EXPECT_EQ(reviews[1].at, base + 28 * kDay);
  EXPECT_EQ(reviews[1].weeks_after, 4);
  EXPECT_TRUE(follow_up_reviews(published({}), std::nullopt).empty()) << "no base, no defaults";
}

TEST(FollowUpReviews, DraftAndKpiAgreeOnNamedReviews) {
  const Rca rca = published({"2026-04-30", "2026-06-30"});
  const std::vector<std::string> named{"2026-04-30", "2026-06-30"};
  EXPECT_EQ(kpi_review_dates(rca), named);
  EXPECT_EQ(draft_review_dates(rca, ": scheduled in the RCA"), named);
  EXPECT_EQ(draft_review_dates(rca, ""), named) << "the draft lists exactly those, no defaults";
}

TEST(FollowUpReviews, DraftAndKpiAgreeOnTheDefaults) {
  const Rca rca = published({});
  const std::vector<std::string> defaults{"2026-04-02", "2026-04-16"};  // published + 14d, 28d
  EXPECT_EQ(kpi_review_dates(rca), defaults);
  EXPECT_EQ(draft_review_dates(rca, " weeks after the RCA was published"), defaults);
  EXPECT_EQ(draft_review_dates(rca, ""), defaults);
  EXPECT_TRUE(draft_review_dates(rca, ": scheduled in the RCA").empty());
}

}  // namespace
}  // namespace pmx
