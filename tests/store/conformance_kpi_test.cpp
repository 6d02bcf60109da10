// Store conformance, KPI aggregates: both stores carry out core's KpiOps with one meaning, as
// read_kpis() shows them — action items by state and due date, post-mortems awaiting and
// covered as incidents resolve and RCAs are published, linked and deleted, repeats — and the
// scrape read agrees with the other reads and between daemons.
#include <variant>

#include "conformance.h"
#include "pmx/core/rca_loader.h"

namespace pmx::store_test {
namespace {

using nlohmann::json;

constexpr UnixNanos kDay = kNanosPerDay;
// kT0 is Monday 2026-11-23 07:44:13Z: five business days later is Monday 2026-11-30 07:44:13Z.

json item(const std::string& id, const std::string& priority, const std::string& status,
          const std::string& due, const std::optional<std::string>& completed_at = std::nullopt) {
  json doc{{"id", id},     {"title", "item " + id}, {"type", "prevent"}, {"priority", priority},
           {"owner", "ann"}, {"due", due},          {"status", status}};
  if (completed_at) doc["completed_at"] = *completed_at;
  return doc;
}

/// An RCA document; `published_at` set makes it published.
json rca_document(const std::string& id, const json& items, const std::vector<std::string>& incidents = {},
                  const std::optional<std::string>& published_at = std::nullopt) {
  json doc{{"id", id}, {"title", "RCA " + id}, {"status", "draft"}, {"action_items", items}};
  if (!incidents.empty()) doc["incidents"] = incidents;
  if (published_at) {
    doc["status"] = "published";
    doc["root_cause"] = "a cause";
    doc["published_at"] = *published_at;
  }
  return doc;
}

Rca rca_of(const json& doc) {
  auto loaded = load_rca(doc);
  if (!loaded) {
    const auto& problems = loaded.error().problems;
    ADD_FAILURE() << doc.dump() << ": " << problems.front().path << " " << problems.front().message;
    return Rca{};
  }
  return std::move(*loaded);
}

Alert critical(const std::string& service, const std::string& fingerprint, UnixNanos starts_at) {
  Alert alert = firing("Down", service, fingerprint, starts_at);
  alert.labels["severity"] = "critical";
  return alert;
}

/// A count of 0 for every range a scrape asks for.
KpiCounts zero_counts() {
  KpiCounts counts;
  for (const auto& range : kpi_ranges(kT0, {})) counts[range.name] = 0;
  return counts;
}

template <typename Backend>
class KpiConformance : public StoreConformance<Backend> {
 protected:
  KpiValues kpis_at(UnixNanos now) {
    return this->value(kpi_values(snapshot_at(now).range_counts));
  }
  KpiSnapshot snapshot_at(UnixNanos now, Store* from = nullptr) {
    Store& store = from ? *from : this->store();
    return this->value(store.read_kpis(kpi_ranges(now, windows_), 10));
  }
  std::int64_t items(const std::string& key) {
    const auto snapshot = snapshot_at(kT0);
    const auto it = snapshot.action_items.find(key);
    return it == snapshot.action_items.end() ? 0 : it->second;
  }
  RcaWrite put(const json& doc) {
    const Rca rca = rca_of(doc);
    const auto stored = this->value(this->store().get_rca(rca.id));
    return this->value(this->store().put_rca(rca, stored ? stored->version : 0, {}));
  }
  bool remove(const std::string& id) { return this->value(this->store().delete_rca(id)); }

  /// An incident of `service` with severity critical, open from `opened` to `resolved`.
  std::string resolved_incident(const std::string& service, UnixNanos opened, UnixNanos resolved_at) {
    const Alert alert = critical(service, "fp-" + service, opened);
    this->ingest({alert}, opened);
    this->ingest({resolved(alert, resolved_at)}, resolved_at);
    return incident_id(source_of("Down", service).id, 1);
  }

  KpiWindows windows_;
};
TYPED_TEST_SUITE(KpiConformance, Backends, BackendNames);

TYPED_TEST(KpiConformance, AnEmptyStoreHasNothingAndNoRatios) {
  const KpiSnapshot snapshot = this->snapshot_at(kT0);
  EXPECT_EQ(snapshot.open_incidents, 0u);
  EXPECT_TRUE(snapshot.action_items.empty());
  EXPECT_EQ(snapshot.range_counts, zero_counts());
  const KpiValues kpis = this->value(kpi_values(snapshot.range_counts));
  EXPECT_FALSE(kpis.repeat_ratio.has_value());
  EXPECT_FALSE(kpis.coverage_ratio.has_value());
  EXPECT_FALSE(kpis.priorities[0].on_time_ratio.has_value());
}

TYPED_TEST(KpiConformance, ActionItemsFollowEveryWriteAndLeaveWithTheirRca) {
  // Due dates end at the next midnight: "2026-11-20" is overdue from 2026-11-21T00:00Z, well
  // before kT0 (2026-11-23); "2026-12-01" is not due yet.
  this->put(rca_document("r1", json::array({item("a", "P0", "open", "2026-11-20"),
                                            item("b", "P0", "in_progress", "2026-12-01"),
                                            item("c", "P1", "done", "2026-11-20", "2026-11-19T10:00:00Z"),
                                            item("d", "P1", "done", "2026-11-20", "2026-11-22T10:00:00Z"),
                                            item("e", "P2", "wont_do", "2026-11-20")})));
  EXPECT_EQ(this->items("open|P0|prevent"), 1);
  EXPECT_EQ(this->items("in_progress|P0|prevent"), 1);
  EXPECT_EQ(this->items("done|P1|prevent"), 2);
  EXPECT_EQ(this->items("wont_do|P2|prevent"), 1);
  KpiValues kpis = this->kpis_at(kT0);
  EXPECT_EQ(kpis.priorities[0].overdue, 1) << "a; b is not due yet";
  EXPECT_EQ(kpis.priorities[0].on_time_ratio, 0.0) << "0 done on time / (0 done + 1 open past due)";
  EXPECT_EQ(kpis.priorities[1].on_time_ratio, 0.5) << "c on time, d late";
  EXPECT_FALSE(kpis.priorities[2].on_time_ratio.has_value()) << "won't-do leaves the plan";
  // Outside the 28-day window (due 2026-11-20 < kT0 + 40d - 28d), none of them count.
  EXPECT_FALSE(this->kpis_at(kT0 + 40 * kDay).priorities[1].on_time_ratio.has_value());
  EXPECT_EQ(this->kpis_at(kT0 + 40 * kDay).priorities[0].overdue, 2) << "b is overdue by then";

  // a gets done late: P0 is then 0 on time of 1 done, and nothing overdue.
  this->put(rca_document("r1", json::array({item("a", "P0", "done", "2026-11-20", "2026-11-23T07:00:00Z"),
                                            item("b", "P0", "in_progress", "2026-12-01")})));
  EXPECT_EQ(this->items("open|P0|prevent"), 0);
  EXPECT_EQ(this->items("done|P0|prevent"), 1);
  EXPECT_EQ(this->items("done|P1|prevent"), 0) << "c and d were dropped from the document";
  kpis = this->kpis_at(kT0);
  EXPECT_EQ(kpis.priorities[0].overdue, 0);
  EXPECT_EQ(kpis.priorities[0].on_time_ratio, 0.0);
  EXPECT_FALSE(kpis.priorities[1].on_time_ratio.has_value());

  ASSERT_TRUE(this->remove("r1"));
  EXPECT_TRUE(this->snapshot_at(kT0).action_items.empty());
  EXPECT_EQ(this->snapshot_at(kT0 + 40 * kDay).range_counts, zero_counts());
}

TYPED_TEST(KpiConformance, AResolvedCriticalIncidentAwaitsItsPostmortemUntilOneIsPublished) {
  const UnixNanos resolved_at = kT0 + 3600 * kSecond;
  const std::string incident = this->resolved_incident("checkout", kT0, resolved_at);
  // Due five business days after resolution: Monday 08:44:13 -> Monday 2026-11-30 08:44:13.
  const UnixNanos due = resolved_at + 7 * kDay;
  KpiValues kpis = this->kpis_at(due - kSecond);
  EXPECT_EQ(kpis.awaiting, 1);
  EXPECT_EQ(kpis.awaiting_overdue, 0);
  EXPECT_EQ(kpis.coverage_ratio, 0.0);
  EXPECT_EQ(this->kpis_at(due + kSecond).awaiting_overdue, 1);

  // A draft names it: still awaiting. Published: covered, and the write reports when the
  // incident resolved (time to post-mortem starts there).
  EXPECT_TRUE(this->put(rca_document("r1", json::array(), {incident})).covered_resolved_at.empty());
  EXPECT_EQ(this->kpis_at(due).awaiting, 1);
  const RcaWrite published =
      this->put(rca_document("r1", json::array(), {incident}, "2026-11-25T10:00:00Z"));
  EXPECT_EQ(published.covered_resolved_at, std::vector<UnixNanos>{resolved_at});
  kpis = this->kpis_at(due + kSecond);
  EXPECT_EQ(kpis.awaiting, 0);
  EXPECT_EQ(kpis.coverage_ratio, 1.0);

  // A second published RCA on it covers nothing new; deleting the first keeps it covered;
  // deleting the last puts it back, overdue by then.
  EXPECT_TRUE(this->put(rca_document("r2", json::array(), {incident}, "2026-11-26T10:00:00Z"))
                  .covered_resolved_at.empty());
  ASSERT_TRUE(this->remove("r1"));
  EXPECT_EQ(this->kpis_at(due + kSecond).awaiting, 0);
  ASSERT_TRUE(this->remove("r2"));
  kpis = this->kpis_at(due + kSecond);
  EXPECT_EQ(kpis.awaiting, 1);
  EXPECT_EQ(kpis.awaiting_overdue, 1);
  EXPECT_EQ(kpis.coverage_ratio, 0.0);
  // Coverage counts incidents resolved inside the 28-day window only.
  EXPECT_FALSE(this->kpis_at(resolved_at + 29 * kDay).coverage_ratio.has_value());
}

TYPED_TEST(KpiConformance, OnlyIncidentsThePolicyNamesNeedAPostmortem) {
  const Alert warning = firing("Slow", "search", "fp-w", kT0);  // no severity label
  this->ingest({warning}, kT0);
  this->ingest({resolved(warning, kT0 + 60 * kSecond)}, kT0 + 60 * kSecond);
  EXPECT_EQ(this->kpis_at(kT0 + 30 * kDay).awaiting, 0);
  EXPECT_FALSE(this->kpis_at(kT0 + kDay).coverage_ratio.has_value());

  // With "warning" required too (another policy), the next one of its kind needs one.
  IngestConfig config;
  config.postmortem.required_severities = {"critical", "warning"};
  Alert labelled = firing("Slow", "billing", "fp-b", kT0);
  labelled.labels["severity"] = "warning";
  this->ingest({labelled}, kT0, config);
  this->ingest({resolved(labelled, kT0 + 60 * kSecond)}, kT0 + 60 * kSecond, config);
  EXPECT_EQ(this->kpis_at(kT0 + kDay).awaiting, 1);
}

TYPED_TEST(KpiConformance, AReopenedIncidentWaitsAgainFromItsNextResolution) {
  const Alert alert = critical("checkout", "fp", kT0);
  this->ingest({alert}, kT0);
  this->ingest({resolved(alert, kT0 + 60 * kSecond)}, kT0 + 60 * kSecond);
  EXPECT_EQ(this->kpis_at(kT0 + 120 * kSecond).awaiting, 1);
  // Refires within the 5m reopen window: open again, not awaiting anything.
  const Alert again = critical("checkout", "fp", kT0 + 180 * kSecond);
  this->ingest({again}, kT0 + 180 * kSecond);
  KpiValues kpis = this->kpis_at(kT0 + 200 * kSecond);
  EXPECT_EQ(kpis.awaiting, 0);
  EXPECT_FALSE(kpis.coverage_ratio.has_value());
  // Resolves again on Friday 2026-11-27 12:00Z: due the next Friday, not Wednesday.
  const UnixNanos friday_noon = kT0 + 4 * kDay + (4 * 3600 + 15 * 60 + 47) * kSecond;
  this->ingest({resolved(again, friday_noon)}, friday_noon);
  EXPECT_EQ(this->kpis_at(friday_noon + 7 * kDay - kSecond).awaiting_overdue, 0);
  EXPECT_EQ(this->kpis_at(friday_noon + 7 * kDay + kSecond).awaiting_overdue, 1);
}

TYPED_TEST(KpiConformance, AnRcaPublishedBeforeTheIncidentResolvesCoversItAtOnce) {
  const Alert alert = critical("checkout", "fp", kT0);
  this->ingest({alert}, kT0);
  const std::string incident = incident_id(source_of("Down", "checkout").id, 1);
  EXPECT_TRUE(this->put(rca_document("r1", json::array(), {incident}, "2026-11-23T09:00:00Z"))
                  .covered_resolved_at.empty())
      << "still open: no time to post-mortem to measure";
  this->ingest({resolved(alert, kT0 + kDay)}, kT0 + kDay);
  const KpiValues kpis = this->kpis_at(kT0 + 2 * kDay);
  EXPECT_EQ(kpis.awaiting, 0);
  EXPECT_EQ(kpis.coverage_ratio, 1.0);
}

TYPED_TEST(KpiConformance, RepeatsOverIncidentsOpenedInTheRepeatWindow) {
  // checkout: three incidents (the 2nd and 3rd are repeats); search: one.
  for (int n = 0; n < 3; ++n) {
    const UnixNanos at = kT0 + n * kDay;
    const Alert alert = firing("Down", "checkout", "fp", at);
    this->ingest({alert}, at);
    this->ingest({resolved(alert, at + 60 * kSecond)}, at + 60 * kSecond);
  }
  this->ingest({firing("Down", "search", "fp", kT0)}, kT0);
  EXPECT_EQ(this->kpis_at(kT0 + 3 * kDay).repeat_ratio, 0.5) << "2 repeats / 4 opened";
  // 180 days after the 1st and the search one opened, only the 2nd and 3rd are inside.
  EXPECT_EQ(this->kpis_at(kT0 + 180 * kDay + kSecond).repeat_ratio, 1.0);
  EXPECT_EQ(this->snapshot_at(kT0).open_incidents, 1u);
}

TYPED_TEST(KpiConformance, FollowUpReviewsAreDueWhileItemsStayOpen) {
  // Published 2026-11-02: default reviews on 11-16 and 11-30; at kT0 (11-23) one is due.
  json items = json::array({item("a", "P1", "open", "2026-12-20")});
  this->put(rca_document("r1", items, {}, "2026-11-02T10:00:00Z"));
  EXPECT_EQ(this->kpis_at(kT0).reviews_due, 1);
  EXPECT_EQ(this->kpis_at(kT0 + 8 * kDay).reviews_due, 2);
  // Named dates replace the defaults; a review is due from the start of its day.
  json named = rca_document("r1", items, {}, "2026-11-02T10:00:00Z");
  named["follow_up_reviews"] = {"2026-11-23"};
  this->put(named);
  EXPECT_EQ(this->kpis_at(kT0).reviews_due, 1);
  EXPECT_EQ(this->kpis_at(kT0 + 8 * kDay).reviews_due, 1);
  // Every item closed: nothing left to review.
  this->put(rca_document("r1", json::array({item("a", "P1", "done", "2026-12-20", "2026-11-20T10:00:00Z")}),
                         {}, "2026-11-02T10:00:00Z"));
  EXPECT_EQ(this->kpis_at(kT0 + 8 * kDay).reviews_due, 0);
}

TYPED_TEST(KpiConformance, IndexMembersListWhatIsBehindACountOldestFirst) {
  // Three P1 items due on different days (and two on the same day: then by member).
  this->put(rca_document("r2", json::array({item("x", "P1", "open", "2026-11-18"),
                                            item("y", "P1", "in_progress", "2026-11-10")})));
  this->put(rca_document("r1", json::array({item("z", "P1", "open", "2026-11-18"),
                                            item("w", "P1", "open", "2026-12-30"),
                                            item("v", "P1", "done", "2026-11-01")})));
  const auto day_end = [](const std::string& date) {
    return *parse_rfc3339(date + "T00:00:00Z") + kDay;
  };
  const KpiRange overdue{"o", kpi_index::open_items(Priority::kP1), kMinusInfinity, kT0};
  const std::vector<IndexMember> expected{{"r2/y", day_end("2026-11-10")},
                                          {"r1/z", day_end("2026-11-18")},
                                          {"r2/x", day_end("2026-11-18")}};
  EXPECT_EQ(this->value(this->store().index_members(overdue, 10)), expected)
      << "w is not due; v is done";
  EXPECT_EQ(this->value(this->store().index_members(overdue, 2)),
            std::vector<IndexMember>(expected.begin(), expected.begin() + 2));
  EXPECT_TRUE(this->value(this->store().index_members(overdue, 0)).empty());
  EXPECT_EQ(
      this->value(this->store().index_members({"n", "no-such-index", kMinusInfinity, kT0}, 5)),
      std::vector<IndexMember>{});
  // The same members as the count, across daemons, and a bounded range.
  EXPECT_EQ(this->value(this->backend_.other_daemon_store().index_members(overdue, 10)), expected);
  const KpiRange later{"l", kpi_index::open_items(Priority::kP1), day_end("2026-11-18"),
                       kPlusInfinity};
  EXPECT_EQ(this->value(this->store().index_members(later, 10)),
            (std::vector<IndexMember>{{"r1/z", day_end("2026-11-18")},
                                      {"r2/x", day_end("2026-11-18")},
                                      {"r1/w", day_end("2026-12-30")}}));

  // Incidents awaiting their post-mortem, by due date.
  const std::string first = this->resolved_incident("checkout", kT0, kT0 + kSecond);
  const std::string second = this->resolved_incident("search", kT0, kT0 + 2 * kSecond);
  const auto awaiting = this->value(
      this->store().index_members({"a", kpi_index::kAwaiting, kMinusInfinity, kPlusInfinity}, 10));
  ASSERT_EQ(awaiting.size(), 2u);
  EXPECT_EQ(awaiting[0].member, first);
  EXPECT_EQ(awaiting[1].member, second);
  EXPECT_NEAR(static_cast<double>(awaiting[0].at),
              static_cast<double>(postmortem_deadline(kT0 + kSecond, PostmortemDue{})), 1000.0)
      << "Redis keeps times as double scores: to within a microsecond";
}

TYPED_TEST(KpiConformance, IncidentsAreReadByIdInTheOrderAsked) {
  const std::string checkout = this->resolved_incident("checkout", kT0, kT0 + kSecond);
  const std::string search = this->resolved_incident("search", kT0, kT0 + kSecond);
  this->put(rca_document("r1", json::array(), {search}));
  const auto found = this->value(
      this->store().get_incidents({search, "0123456789abcdef-9", "not an id", checkout}));
  ASSERT_EQ(found.size(), 2u) << "ids that name nothing are left out";
  EXPECT_EQ(found[0].id, search);
  EXPECT_EQ(found[0].rcas, std::vector<std::string>{"r1"}) << "with its links";
  EXPECT_EQ(found[0].alerts.size(), 1u) << "and its alerts";
  EXPECT_EQ(found[0].alerts.begin()->second.labels.at("service"), "search");
  EXPECT_EQ(found[1].id, checkout);
  EXPECT_TRUE(this->value(this->store().get_incidents({})).empty());
}

TYPED_TEST(KpiConformance, TheScrapeReadAgreesWithTheOtherReadsAndAcrossDaemons) {
  for (const std::string service : {"a", "b", "c"}) {
    this->ingest({firing("Down", service, "fp1", kT0), firing("Down", service, "fp2", kT0)}, kT0);
  }
  this->ingest({firing("Down", "b", "fp3", kT0)}, kT0);
  this->put(rca_document("r1", json::array({item("a", "P0", "open", "2026-11-20")})));
  const KpiSnapshot snapshot = this->snapshot_at(kT0);
  EXPECT_EQ(snapshot.open_incidents, this->value(count_open_incidents(this->store())));
  const auto top = this->value(top_sources(this->store(), 10));
  ASSERT_EQ(snapshot.top_sources.size(), top.size());
  for (std::size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(snapshot.top_sources[i].source, top[i].source);
    EXPECT_EQ(snapshot.top_sources[i].occurrences, top[i].occurrences);
  }
  EXPECT_EQ(snapshot.top_sources.front().occurrences, 3u) << "b";
  EXPECT_TRUE(this->value(this->store().read_kpis({}, 0)).top_sources.empty());

  const KpiSnapshot other = this->snapshot_at(kT0, &this->backend_.other_daemon_store());
  EXPECT_EQ(other.open_incidents, snapshot.open_incidents);
  EXPECT_EQ(other.action_items, snapshot.action_items);
  EXPECT_EQ(other.range_counts, snapshot.range_counts);
}

}  // namespace
}  // namespace pmx::store_test
