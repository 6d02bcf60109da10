// Store conformance, read side: the listings and aggregates the API and /metrics use agree
// with what was ingested, in the same order on both stores.
#include "conformance.h"
#include "pmx/core/json_codec.h"

namespace pmx::store_test {
namespace {

template <typename Backend>
class ReadConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE(ReadConformance, Backends, BackendNames);

TYPED_TEST(ReadConformance, ListIncidentsFiltersBySourceAndStateNewestFirst) {
  IngestConfig no_window;
  no_window.reopen_window = 0;
  const SourceKey a = source_of("HighLatency", "checkout");
  const SourceKey b = source_of("HighLatency", "payments");
  const SourceKey c = source_of("HighLatency", "search");
  const Alert a1 = firing("HighLatency", "checkout", "a", kT0);
  const Alert b1 = firing("HighLatency", "payments", "b", kT0 + 10 * kSecond);
  this->ingest({a1, b1, firing("HighLatency", "search", "c", kT0 + 20 * kSecond)},
               kT0 + 20 * kSecond, no_window);
  this->ingest({resolved(b1, kT0 + 30 * kSecond), resolved(a1, kT0 + 40 * kSecond)},
               kT0 + 40 * kSecond, no_window);
  this->ingest({firing("HighLatency", "checkout", "a", kT0 + 50 * kSecond)}, kT0 + 50 * kSecond,
               no_window);

  const std::string a_1 = incident_id(a.id, 1), a_2 = incident_id(a.id, 2);
  const std::string b_1 = incident_id(b.id, 1), c_1 = incident_id(c.id, 1);
  using Ids = std::vector<std::string>;
  const auto filter = [](std::optional<std::string> source, std::optional<IncidentState> state,
                         std::size_t limit = 100) {
    IncidentFilter f;
    f.source_id = std::move(source);
    f.state = state;
    f.limit = limit;
    return f;
  };
  const auto open = IncidentState::kOpen;
  const auto closed = IncidentState::kResolved;
  EXPECT_EQ(this->incident_ids(filter({}, {})), (Ids{a_2, c_1, b_1, a_1}));
  EXPECT_EQ(this->incident_ids(filter({}, {}, 2)), (Ids{a_2, c_1}));
  EXPECT_EQ(this->incident_ids(filter({}, open)), (Ids{a_2, c_1}));
  EXPECT_EQ(this->incident_ids(filter({}, open, 1)), (Ids{a_2}));
  EXPECT_EQ(this->incident_ids(filter({}, closed)), (Ids{b_1, a_1}));
  EXPECT_EQ(this->incident_ids(filter({}, closed, 1)), (Ids{b_1}));
  EXPECT_EQ(this->incident_ids(filter(a.id, {})), (Ids{a_2, a_1}));
  EXPECT_EQ(this->incident_ids(filter(a.id, open)), (Ids{a_2}));
  EXPECT_EQ(this->incident_ids(filter(a.id, closed)), (Ids{a_1}));
  EXPECT_EQ(this->incident_ids(filter(c.id, closed)), Ids{});
  EXPECT_EQ(this->incident_ids(filter(std::string("0123456789abcdef"), {})), Ids{});
  EXPECT_EQ(this->incident_ids(filter(std::string("not a source id"), {})), Ids{});
  EXPECT_EQ(this->incident_ids(filter({}, {}, 0)), Ids{});

  // The listing carries the same documents as the detail view.
  const auto listed = this->value(this->store().list_incidents(filter(b.id, {})));
  ASSERT_EQ(listed.size(), 1u);
  const Incident detail = this->incident(b_1).incident;
  EXPECT_EQ(to_json(listed[0]), to_json(detail));
  EXPECT_EQ(detail.source, b.canonical);
  EXPECT_EQ(detail.source_id, b.id);
  EXPECT_EQ(detail.resolved_at, kT0 + 30 * kSecond);
}

TYPED_TEST(ReadConformance, GetIncidentReturnsTheTimelineInOrder) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const Alert fp1 = firing("HighLatency", "checkout", "fp1", kT0);
  const Alert fp2 = firing("HighLatency", "checkout", "fp2", kT0 + 10 * kSecond);
  this->ingest({fp1}, kT0 + 2 * kSecond);
  this->ingest({fp2}, kT0 + 12 * kSecond);
  this->ingest({resolved(fp1, kT0 + 20 * kSecond), resolved(fp2, kT0 + 30 * kSecond)},
               kT0 + 31 * kSecond);

  const IncidentDetail detail = this->incident(incident_id(checkout.id, 1));
  EXPECT_EQ(types_of(detail.timeline),
            (std::vector<Event>{Event::kOpened, Event::kAlertFired, Event::kAlertFired,
                                Event::kAlertResolved, Event::kAlertResolved, Event::kResolved}));
  ASSERT_EQ(detail.timeline.size(), 6u);
  EXPECT_EQ(detail.timeline[0].at, kT0);
  EXPECT_EQ(detail.timeline[0].received_at, kT0 + 2 * kSecond);  // the detection gap
  EXPECT_EQ(detail.timeline[1].fingerprint, "fp1");
  EXPECT_EQ(detail.timeline[2].fingerprint, "fp2");
  EXPECT_EQ(detail.timeline[2].received_at, kT0 + 12 * kSecond);
  EXPECT_EQ(detail.timeline[3].fingerprint, "fp1");
  EXPECT_EQ(detail.timeline[3].at, kT0 + 20 * kSecond);
  EXPECT_EQ(detail.timeline[4].fingerprint, "fp2");
  EXPECT_EQ(detail.timeline[5].at, kT0 + 30 * kSecond);
  EXPECT_EQ(detail.incident.alerts.size(), 2u);
  EXPECT_EQ(detail.incident.alerts.at("fp1").labels.at("instance"), "fp1");
  EXPECT_EQ(detail.incident.alerts.at("fp1").annotations.at("summary"), "latency above SLO");

  EXPECT_FALSE(this->value(this->store().get_incident(incident_id(checkout.id, 2))).has_value());
  EXPECT_FALSE(this->value(this->store().get_incident("no-such-incident")).has_value());
  EXPECT_FALSE(this->value(this->store().get_incident("")).has_value());
}

TYPED_TEST(ReadConformance, SourceReadsAndAggregatesAgreeWithWhatWasIngested) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const SourceKey payments = source_of("HighLatency", "payments");
  const SourceKey search = source_of("HighLatency", "search");
  const SourceKey auth = source_of("HighLatency", "auth");
  this->ingest(
      {firing("HighLatency", "checkout", "c1", kT0),
       firing("HighLatency", "checkout", "c2", kT0 + 5 * kSecond),
       firing("HighLatency", "checkout", "c3", kT0 + 30 * kSecond),
       firing("HighLatency", "search", "s1", kT0), firing("HighLatency", "search", "s2", kT0),
       firing("HighLatency", "search", "s3", kT0 + 10 * kSecond)},
      kT0 + 30 * kSecond);
  this->ingest({firing("HighLatency", "payments", "p1", kT0 + 50 * kSecond),
                firing("HighLatency", "auth", "u1", kT0 + 40 * kSecond),
                firing("HighLatency", "auth", "u2", kT0 + 50 * kSecond)},
               kT0 + 50 * kSecond);

  // Most recently seen first; payments and auth tie on last_seen: canonical key ascending.
  std::vector<std::string> seen;
  for (const auto& s : this->value(this->store().list_sources(100)))
    seen.push_back(s.key.canonical);
  EXPECT_EQ(seen, (std::vector<std::string>{auth.canonical, payments.canonical, checkout.canonical,
                                            search.canonical}));
  EXPECT_EQ(this->value(this->store().list_sources(2)).size(), 2u);
  EXPECT_TRUE(this->value(this->store().list_sources(0)).empty());

  const SourceState state = this->source(checkout);
  EXPECT_EQ(state.key.id, checkout.id);
  EXPECT_EQ(state.occurrences, 3u);
  EXPECT_EQ(state.incident_count, 1u);
  EXPECT_EQ(state.first_seen, kT0);
  EXPECT_EQ(state.last_seen, kT0 + 30 * kSecond);
  ASSERT_TRUE(state.current.has_value());
  EXPECT_EQ(state.current->id, incident_id(checkout.id, 1));
  EXPECT_GT(state.version, 0);
  EXPECT_FALSE(this->value(this->store().get_source("0123456789abcdef")).has_value());
  EXPECT_FALSE(this->value(this->store().get_source("../../etc")).has_value());

  // Most occurrences first; checkout and search tie: canonical key ascending.
  const auto top = this->value(top_sources(this->store(), 10));
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].source, checkout.canonical);
  EXPECT_EQ(top[0].occurrences, 3u);
  EXPECT_EQ(top[1].source, search.canonical);
  EXPECT_EQ(top[1].occurrences, 3u);
  EXPECT_EQ(top[2].source, auth.canonical);
  EXPECT_EQ(top[2].occurrences, 2u);
  EXPECT_EQ(top[3].source, payments.canonical);
  EXPECT_EQ(top[3].occurrences, 1u);
  EXPECT_EQ(this->value(top_sources(this->store(), 2)).size(), 2u);
  EXPECT_TRUE(this->value(top_sources(this->store(), 0)).empty());
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 4u);
}

}  // namespace
}  // namespace pmx::store_test
