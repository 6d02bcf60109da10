// Store conformance, write side: the Ingestor on each store counts occurrences once, moves
// incidents through their lifecycle, and keeps counts exact under compare-and-set races.
#include <atomic>
#include <set>
#include <thread>

#include "conformance.h"
#include "pmx/core/matcher.h"
#include "pmx/core/source_ids.h"
#include "pmx/service/ingestor.h"
#include "pmx/service/queries.h"

namespace pmx::store_test {
namespace {

template <typename Backend>
class IngestConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE(IngestConformance, Backends, BackendNames);

TYPED_TEST(IngestConformance, CountsEachOccurrenceOnceAcrossResends) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const std::vector<Alert> webhook{firing("HighLatency", "checkout", "fp1", kT0),
                                   firing("HighLatency", "checkout", "fp2", kT0 + kSecond),
                                   firing("HighLatency", "checkout", "fp1", kT0 + 30 * kSecond)};
  const IngestCounts first = this->ingest(webhook, kT0 + 31 * kSecond);
  EXPECT_EQ(first.occurrences, 3u);
  EXPECT_EQ(first.opened, 1u);
  EXPECT_EQ(first.duplicates, 0u);
  for (int resend = 0; resend < 2; ++resend) {  // repeat interval, retries, the HA peer
    const IngestCounts again = this->ingest(webhook, kT0 + 60 * kSecond);
    EXPECT_EQ(again.occurrences, 0u);
    EXPECT_EQ(again.duplicates, 3u);
    EXPECT_EQ(again.opened, 0u);
  }
  const IngestCounts overlap =
      this->ingest({firing("HighLatency", "checkout", "fp2", kT0 + kSecond),
                    firing("HighLatency", "checkout", "fp3", kT0 + 40 * kSecond)},
                   kT0 + 90 * kSecond);
  EXPECT_EQ(overlap.occurrences, 1u);
  EXPECT_EQ(overlap.duplicates, 1u);

  const SourceState state = this->source(checkout);
  EXPECT_EQ(state.key.canonical, checkout.canonical);
  EXPECT_EQ(state.key.labels, checkout.labels);
  EXPECT_EQ(state.occurrences, 4u);
  EXPECT_EQ(state.incident_count, 1u);
  EXPECT_EQ(state.first_seen, kT0);
  EXPECT_EQ(state.last_seen, kT0 + 40 * kSecond);
  EXPECT_EQ(this->incident(incident_id(checkout.id, 1)).incident.occurrences, 4u);
  const auto top = this->value(top_sources(this->store(), 10));
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].source, checkout.canonical);
  EXPECT_EQ(top[0].occurrences, 4u);
}

// --incident.ignore: the matching alerts of a webhook are counted and dropped wherever they
// stand in it; the others are recorded as usual.
TYPED_TEST(IngestConformance, IgnoredAlertsAreCountedAndNeverRecorded) {
  IngestConfig config;
  const auto matchers = parse_matchers(R"(alertname=~"Postmortem.*|Watchdog")");
  ASSERT_TRUE(std::holds_alternative<std::vector<Matcher>>(matchers));
  config.ignore = std::get<std::vector<Matcher>>(matchers);
  const IngestCounts counts =
      this->ingest({firing("HighLatency", "checkout", "c1", kT0), firing("Watchdog", "", "w1", kT0),
                    firing("HighLatency", "payments", "p1", kT0),
                    firing("PostmortemActionItemOverdue", "", "o1", kT0)},
                   kT0, config);
  EXPECT_EQ(counts.ignored, 2u);
  EXPECT_EQ(counts.occurrences, 2u);
  EXPECT_EQ(counts.opened, 2u);
  EXPECT_EQ(this->incident_ids(IncidentFilter{}).size(), 2u);
  EXPECT_FALSE(this->value(this->store().get_source(source_of("Watchdog", "").id)).has_value());

  // Only ignored alerts: nothing to load or write.
  EXPECT_EQ(this->ingest({firing("Watchdog", "", "w1", kT0)}, kT0, config).ignored, 1u);
  // No matchers ignore nothing.
  EXPECT_EQ(this->ingest({firing("Watchdog", "", "w1", kT0)}, kT0).opened, 1u);
}

TYPED_TEST(IngestConformance, IncidentResolvesWhenAllItsAlertsHave) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const Alert fp1 = firing("HighLatency", "checkout", "fp1", kT0);
  const Alert fp2 = firing("HighLatency", "checkout", "fp2", kT0);
  this->ingest({fp1, fp2}, kT0);
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 1u);

  EXPECT_EQ(this->ingest({resolved(fp1, kT0 + 60 * kSecond)}, kT0 + 61 * kSecond).resolved, 0u);
  EXPECT_EQ(this->incident(incident_id(checkout.id, 1)).incident.state, IncidentState::kOpen);

  const IngestCounts last = this->ingest({resolved(fp2, kT0 + 90 * kSecond)}, kT0 + 91 * kSecond);
  EXPECT_EQ(last.resolved, 1u);
  const Incident incident = this->incident(incident_id(checkout.id, 1)).incident;
  EXPECT_EQ(incident.state, IncidentState::kResolved);
  EXPECT_EQ(incident.resolved_at, kT0 + 90 * kSecond);
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 0u);

  const IngestCounts resend = this->ingest({resolved(fp2, kT0 + 90 * kSecond)}, kT0 + 95 * kSecond);
  EXPECT_EQ(resend.resolved, 0u);
  EXPECT_EQ(resend.duplicates, 1u);
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 0u);
}

TYPED_TEST(IngestConformance, RefireWithinTheReopenWindowReopens) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const Alert first = firing("HighLatency", "checkout", "fp1", kT0);
  this->ingest({first}, kT0);
  this->ingest({resolved(first, kT0 + 60 * kSecond)}, kT0 + 60 * kSecond);
  const IngestCounts refire = this->ingest(
      {firing("HighLatency", "checkout", "fp1", kT0 + 120 * kSecond)}, kT0 + 120 * kSecond);
  EXPECT_EQ(refire.reopened, 1u);
  EXPECT_EQ(refire.opened, 0u);
  EXPECT_EQ(refire.occurrences, 1u);

  const IncidentDetail detail = this->incident(incident_id(checkout.id, 1));
  EXPECT_EQ(detail.incident.state, IncidentState::kOpen);
  EXPECT_EQ(detail.incident.reopened, 1u);
  EXPECT_EQ(detail.incident.occurrences, 2u);
  EXPECT_EQ(types_of(detail.timeline),
            (std::vector<Event>{Event::kOpened, Event::kAlertFired, Event::kAlertResolved,
                                Event::kResolved, Event::kReopened, Event::kAlertFired}));
  EXPECT_EQ(this->source(checkout).incident_count, 1u);
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 1u);
}

TYPED_TEST(IngestConformance, RefireAfterTheReopenWindowOpensTheNextIncident) {
  IngestConfig no_window;
  no_window.reopen_window = 0;
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const Alert first = firing("HighLatency", "checkout", "fp1", kT0);
  this->ingest({first}, kT0, no_window);
  this->ingest({resolved(first, kT0 + 60 * kSecond)}, kT0 + 60 * kSecond, no_window);
  const IngestCounts refire =
      this->ingest({firing("HighLatency", "checkout", "fp1", kT0 + 120 * kSecond)},
                   kT0 + 120 * kSecond, no_window);
  EXPECT_EQ(refire.opened, 1u);
  EXPECT_EQ(refire.reopened, 0u);

  const IncidentDetail second = this->incident(incident_id(checkout.id, 2));
  EXPECT_EQ(second.incident.number, 2u);
  EXPECT_EQ(second.incident.state, IncidentState::kOpen);
  EXPECT_EQ(second.incident.opened_at, kT0 + 120 * kSecond);
  EXPECT_EQ(types_of(second.timeline), (std::vector<Event>{Event::kOpened, Event::kAlertFired}));
  EXPECT_EQ(this->incident(incident_id(checkout.id, 1)).incident.state, IncidentState::kResolved);
  EXPECT_EQ(this->source(checkout).incident_count, 2u);
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 1u);
  IncidentFilter by_source;
  by_source.source_id = checkout.id;
  EXPECT_EQ(this->incident_ids(by_source),
            (std::vector<std::string>{incident_id(checkout.id, 2), incident_id(checkout.id, 1)}));
}

TYPED_TEST(IngestConformance, OneBatchCanResolveAnIncidentAndOpenTheNext) {
  IngestConfig no_window;
  no_window.reopen_window = 0;
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const Alert first = firing("HighLatency", "checkout", "fp1", kT0);
  this->ingest({first}, kT0, no_window);
  const IngestCounts both =
      this->ingest({resolved(first, kT0 + 60 * kSecond),
                    firing("HighLatency", "checkout", "fp1", kT0 + 120 * kSecond)},
                   kT0 + 121 * kSecond, no_window);
  EXPECT_EQ(both.resolved, 1u);
  EXPECT_EQ(both.opened, 1u);

  EXPECT_EQ(types_of(this->incident(incident_id(checkout.id, 1)).timeline),
            (std::vector<Event>{Event::kOpened, Event::kAlertFired, Event::kAlertResolved,
                                Event::kResolved}));
  EXPECT_EQ(types_of(this->incident(incident_id(checkout.id, 2)).timeline),
            (std::vector<Event>{Event::kOpened, Event::kAlertFired}));
  IncidentFilter open;
  open.state = IncidentState::kOpen;
  EXPECT_EQ(this->incident_ids(open), std::vector<std::string>{incident_id(checkout.id, 2)});
  IncidentFilter closed;
  closed.state = IncidentState::kResolved;
  EXPECT_EQ(this->incident_ids(closed), std::vector<std::string>{incident_id(checkout.id, 1)});
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 1u);
}

// A webhook to a source whose incident has many alerts reads and writes the records of its own
// alerts only; the incident, as the API reads it, still has every alert with its aggregates.
TYPED_TEST(IngestConformance, ALoadCarriesOnlyTheBatchsAlertRecordsAndTheIncidentKeepsAll) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  std::vector<Alert> many;
  for (int i = 0; i < 50; ++i) {
    Alert alert = firing("HighLatency", "checkout", "fp" + std::to_string(i), kT0 + i * kSecond);
    alert.labels["severity"] = i % 2 == 0 ? "critical" : "warning";
    many.push_back(alert);
  }
  this->ingest(many, kT0 + 60 * kSecond);
  this->ingest({resolved(many[3], kT0 + 70 * kSecond)}, kT0 + 71 * kSecond);

  const auto loaded =
      this->value(this->store().load({SourceLoad{checkout, {}, {"fp3", "fp7", "unknown"}}})).sources;
  ASSERT_EQ(loaded.size(), 1u);
  ASSERT_TRUE(loaded[0].state.current.has_value());
  const Incident& current = *loaded[0].state.current;
  EXPECT_EQ(current.alerts.size(), 2u);
  EXPECT_EQ(current.alerts.at("fp3").status, AlertStatus::kResolved);
  EXPECT_EQ(current.alerts.at("fp7").status, AlertStatus::kFiring);
  EXPECT_EQ(current.firing_alerts, 49u);
  EXPECT_EQ(current.last_alert_end, kT0 + 70 * kSecond);
  EXPECT_EQ(current.severities, (std::set<std::string>{"critical", "warning"}));

  const Incident stored = this->incident(incident_id(checkout.id, 1)).incident;
  EXPECT_EQ(stored.alerts.size(), 50u);
  EXPECT_EQ(stored.alerts.at("fp3").ends_at, kT0 + 70 * kSecond);
  EXPECT_EQ(stored.alerts.at("fp49").starts_at, kT0 + 49 * kSecond);
  IncidentFilter all;
  const auto listed = this->value(this->store().list_incidents(all));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].alerts.size(), 50u);

  // The last of the 50 resolves it, although no webhook carried the other records since.
  std::vector<Alert> rest;
  for (int i = 0; i < 50; ++i) {
    if (i != 3) rest.push_back(resolved(many[i], kT0 + (100 + i) * kSecond));
  }
  std::vector<Alert> first_half(rest.begin(), rest.begin() + 25);
  std::vector<Alert> second_half(rest.begin() + 25, rest.end());
  EXPECT_EQ(this->ingest(first_half, kT0 + 200 * kSecond).resolved, 0u);
  EXPECT_EQ(this->ingest(second_half, kT0 + 201 * kSecond).resolved, 1u);
  const Incident done = this->incident(incident_id(checkout.id, 1)).incident;
  EXPECT_EQ(done.state, IncidentState::kResolved);
  EXPECT_EQ(done.resolved_at, kT0 + 149 * kSecond);
  EXPECT_EQ(done.firing_alerts, 0u);
}

TYPED_TEST(IngestConformance, CommitWithAStaleVersionLosesAndChangesNothing) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const SourceKey payments = source_of("HighLatency", "payments");
  const Alert fp1 = firing("HighLatency", "checkout", "fp1", kT0);
  const Alert fp2 = firing("HighLatency", "checkout", "fp2", kT0 + 5 * kSecond);
  const Alert pay = firing("HighLatency", "payments", "pay", kT0);
  const IngestConfig config;
  Store& store = this->store();

  const auto loaded = this->value(store.load({SourceLoad{checkout, {occurrence_id(fp1)}, {"fp1"}},
                                              SourceLoad{payments, {occurrence_id(pay)}, {"pay"}}}))
                          .sources;
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].state.version, 0);
  EXPECT_EQ(loaded[0].state.key.canonical, checkout.canonical);
  EXPECT_TRUE(loaded[0].known_occurrences.empty());

  const SourceUpdate winner = apply_alerts(loaded[0].state, {fp1}, {}, kT0, config);
  EXPECT_EQ(this->value(store.commit({SourceCommit{0, winner}})), std::vector<bool>{true});

  // Another daemon loaded version 0 too: its commit must lose, whole, while an independent
  // source in the same batch goes through.
  const SourceUpdate loser = apply_alerts(loaded[0].state, {fp2}, {}, kT0, config);
  const SourceUpdate other = apply_alerts(loaded[1].state, {pay}, {}, kT0, config);
  EXPECT_EQ(this->value(store.commit({SourceCommit{0, loser}, SourceCommit{0, other}})),
            (std::vector<bool>{false, true}));

  const SourceState state = this->source(checkout);
  EXPECT_EQ(state.version, 1);
  EXPECT_EQ(state.occurrences, 1u);
  const IncidentDetail detail = this->incident(incident_id(checkout.id, 1));
  EXPECT_EQ(detail.incident.alerts.size(), 1u);
  EXPECT_EQ(detail.incident.alerts.count("fp1"), 1u);
  EXPECT_EQ(types_of(detail.timeline), (std::vector<Event>{Event::kOpened, Event::kAlertFired}));
  const auto again = this->value(store.load({SourceLoad{
                                     checkout, {occurrence_id(fp1), occurrence_id(fp2)}, {"fp1", "fp2"}}}))
                         .sources;
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].known_occurrences, std::set<std::string>{occurrence_id(fp1)});
  ASSERT_TRUE(again[0].state.current.has_value());
  EXPECT_EQ(again[0].state.current->alerts.size(), 1u) << "the loser's fp2 was not written";
  EXPECT_EQ(this->value(top_sources(store, 10)).size(), 2u);
  EXPECT_EQ(this->value(count_open_incidents(store)), 2u);

  // Reloaded, the loser applies on top of the winner.
  const SourceUpdate retried =
      apply_alerts(again[0].state, {fp2}, again[0].known_occurrences, kT0, config);
  EXPECT_EQ(this->value(store.commit({SourceCommit{1, retried}})), std::vector<bool>{true});
  EXPECT_EQ(this->source(checkout).version, 2);
  EXPECT_EQ(this->source(checkout).occurrences, 2u);
  EXPECT_TRUE(this->value(store.commit({})).empty());
  EXPECT_TRUE(this->value(store.load({})).sources.empty());
}

TYPED_TEST(IngestConformance, TwoDaemonsIngestingTheSameWebhooksKeepExactCounts) {
  constexpr int kWebhooks = 25, kSources = 5, kAlertsPerSource = 4;
  std::vector<std::vector<Alert>> webhooks;
  for (int w = 0; w < kWebhooks; ++w) {
    std::vector<Alert> alerts;
    for (int s = 0; s < kSources; ++s) {
      for (int k = 0; k < kAlertsPerSource; ++k) {
        // A new startsAt in every webhook: every alert of every webhook is a new occurrence.
        alerts.push_back(firing("HighLatency", "svc" + std::to_string(s),
                                "fp" + std::to_string(s) + "-" + std::to_string(k),
                                kT0 + w * kSecond));
      }
    }
    webhooks.push_back(std::move(alerts));
  }

  const UnixNanos received_at = kT0 + kWebhooks * kSecond;
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  IngestCounts totals[2];
  const IngestConfig config;  // (built out here: GCC 12 crashes on IngestConfig{} in this lambda)
  const auto daemon = [&](Store& store, IngestCounts& total) {
    Ingestor ingestor(store, config);
    while (!go.load()) std::this_thread::yield();
    for (const auto& webhook : webhooks) {
      // kConflict means the other daemon kept winning the compare-and-set for several rounds:
      // the handler answers 503 and Alertmanager sends the webhook again, as done here.
      auto counts = ingestor.ingest(webhook, received_at);
      for (int resend = 0; !counts && counts.error().code == ErrorCode::kConflict && resend < 5;
           ++resend) {
        counts = ingestor.ingest(webhook, received_at);
      }
      if (counts) {
        total += *counts;
      } else {
        ++failures;
      }
    }
  };
  std::thread first(daemon, std::ref(this->backend_.store()), std::ref(totals[0]));
  std::thread second(daemon, std::ref(this->backend_.other_daemon_store()), std::ref(totals[1]));
  go = true;
  first.join();
  second.join();

  constexpr std::uint64_t kUnique = kWebhooks * kSources * kAlertsPerSource;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(totals[0].occurrences + totals[1].occurrences, kUnique);
  EXPECT_EQ(totals[0].duplicates + totals[1].duplicates, kUnique);
  EXPECT_EQ(totals[0].opened + totals[1].opened, std::uint64_t{kSources});
  for (int s = 0; s < kSources; ++s) {
    const SourceKey key = source_of("HighLatency", "svc" + std::to_string(s));
    const SourceState state = this->source(key);
    EXPECT_EQ(state.occurrences, std::uint64_t{kWebhooks * kAlertsPerSource}) << key.canonical;
    EXPECT_EQ(state.incident_count, 1u);
    EXPECT_EQ(this->incident(incident_id(key.id, 1)).incident.occurrences,
              std::uint64_t{kWebhooks * kAlertsPerSource});
  }
  EXPECT_EQ(this->value(count_open_incidents(this->store())), std::uint64_t{kSources});
  EXPECT_EQ(this->value(this->store().list_incidents(IncidentFilter{})).size(),
            std::size_t{kSources});
}

const std::set<std::string> kNoneKnown;  // no occurrence recorded yet
const IngestConfig kDefaults;

// Source ids are a 64-bit hash of the canonical key, and crafted label values can make two keys
// hash alike. A source stored under the id another key hashes to must stay itself, and the
// other key gets a source of its own with its own counts, found by its key.
TYPED_TEST(IngestConformance, SourcesWhoseIdsCollideNeverMerge) {
  const SourceKey victim = source_of("HighLatency", "checkout");
  SourceState squatter;
  squatter.key = source_of("Crafted", "collision");
  squatter.key.id = victim.id;  // what a hash collision amounts to
  const std::vector<Alert> crafted{firing("Crafted", "collision", "fpx", kT0)};
  const SourceUpdate planted = apply_alerts(squatter, crafted, kNoneKnown, kT0, kDefaults);
  const std::vector<SourceCommit> commits{SourceCommit{0, planted}};
  const auto applied = this->store().commit(commits);
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  ASSERT_EQ(*applied, std::vector<bool>{true});

  const std::vector<Alert> webhook{firing("HighLatency", "checkout", "fp1", kT0 + kSecond),
                                   firing("HighLatency", "checkout", "fp2", kT0 + 2 * kSecond)};
  EXPECT_EQ(this->ingest(webhook, kT0 + 3 * kSecond).occurrences, 2u);
  const IngestCounts again = this->ingest(webhook, kT0 + 4 * kSecond);
  EXPECT_EQ(again.occurrences, 0u);
  EXPECT_EQ(again.duplicates, 2u);

  const SourceState at_hashed_id = this->source(victim);
  EXPECT_EQ(at_hashed_id.key.canonical, squatter.key.canonical);
  EXPECT_EQ(at_hashed_id.occurrences, 1u);
  EXPECT_EQ(at_hashed_id.incident_count, 1u);

  Queries queries(this->store());
  const auto found = queries.source(victim.canonical, 10);
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->source.key.canonical, victim.canonical);
  EXPECT_NE(found->source.key.id, victim.id);
  EXPECT_EQ(found->source.occurrences, 2u);
  ASSERT_EQ(found->incidents.size(), 1u);
  EXPECT_EQ(found->incidents[0].source, victim.canonical);
  EXPECT_EQ(found->incidents[0].occurrences, 2u);

  std::map<std::string, std::uint64_t> listed;
  for (const auto& source : this->value(this->store().list_sources(10))) {
    listed[source.key.canonical] = source.occurrences;
  }
  // The planted squatter is listed by MemoryStore only: RedisStore finds listed keys at their
  // candidate ids, and this one's key does not hash to where it was planted (a real collision's
  // would).
  EXPECT_EQ(listed[victim.canonical], 2u);
}

// A source whose every candidate id is taken (only crafted collisions get there) is refused
// with kInvalid (422, not a retried 503), and the batch's other sources are recorded.
TYPED_TEST(IngestConformance, ASourceWithEveryIdTakenIsRefusedOthersRecorded) {
  const SourceKey victim = source_of("HighLatency", "checkout");
  std::vector<SourceCommit> planted;
  for (unsigned attempt = 0; attempt < kSourceIdCandidates; ++attempt) {
    const std::string service = "collision-" + std::to_string(attempt);
    SourceState squatter;
    squatter.key = source_of("Crafted", service);
    squatter.key.id = source_id_candidate(victim.canonical, attempt);
    const std::vector<Alert> crafted{firing("Crafted", service, "fpx", kT0)};
    planted.push_back(SourceCommit{0, apply_alerts(squatter, crafted, kNoneKnown, kT0, kDefaults)});
  }
  const auto applied = this->store().commit(planted);
  ASSERT_TRUE(applied.ok()) << applied.error().message();
  ASSERT_EQ(*applied, std::vector<bool>(kSourceIdCandidates, true));

  Ingestor ingestor(this->store(), kDefaults);
  const auto counts = ingestor.ingest(
      {firing("HighLatency", "checkout", "fp1", kT0), firing("Other", "checkout", "fp2", kT0)},
      kT0 + kSecond);
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.error().code, ErrorCode::kInvalid);
  EXPECT_NE(counts.error().message().find(victim.canonical), std::string::npos)
      << counts.error().message();
  Queries queries(this->store());
  const auto found = queries.source(victim.canonical, 10);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->source(source_of("Other", "checkout")).occurrences, 1u);
  for (const auto& source : this->value(this->store().list_sources(100))) {
    EXPECT_NE(source.key.canonical, victim.canonical);
  }
}

}  // namespace
}  // namespace pmx::store_test
