// Store conformance, RCAs: compare-and-set writes, the incident links and timeline entries
// written with them, deletion, listing, the RCA revision load() reports, and the Ingestor
// flagging repeats from RCAs it (re)reads when that revision moves.
#include <variant>

#include "conformance.h"
#include "pmx/core/json_codec.h"
#include "pmx/core/rca_loader.h"
#include "pmx/service/ingestor.h"

namespace pmx::store_test {
namespace {

using nlohmann::json;

/// A valid RCA document (schema/rca.schema.json) with one open action item.
json rca_document(const std::string& id, const std::vector<std::string>& matchers = {},
                  const std::vector<std::string>& incidents = {}) {
  json doc{{"id", id},
           {"title", "Checkout latency " + id},
           {"status", "draft"},
           {"matchers", matchers},
           {"action_items",
            json::array({{{"id", "a1"},
                          {"title", "Add a latency budget alert"},
                          {"type", "prevent"},
                          {"priority", "P1"},
                          {"owner", "ann"},
                          {"due", "2026-12-01"},
                          {"status", "open"}}})}};
  if (!incidents.empty()) doc["incidents"] = incidents;
  return doc;
}

/// The RCA of a document, failing the test if load_rca refuses it.
Rca rca_of(const json& doc) {
  auto loaded = load_rca(doc);
  if (!loaded) {
    const auto& problems = loaded.error().problems;
    ADD_FAILURE() << doc.dump() << ": " << problems.front().path << " " << problems.front().message;
    return Rca{};
  }
  return std::move(*loaded);
}

Rca rca(const std::string& id, const std::vector<std::string>& matchers = {},
        const std::vector<std::string>& incidents = {}) {
  return rca_of(rca_document(id, matchers, incidents));
}

TimelineEvent linked(const std::string& detail, UnixNanos at) {
  return TimelineEvent{TimelineEventType::kRcaLinked, at, at, "", detail};
}

using Timeline = std::map<std::string, std::vector<TimelineEvent>>;
using Ids = std::vector<std::string>;

template <typename Backend>
class RcaConformance : public StoreConformance<Backend> {
 protected:
  RcaWrite put(const Rca& rca, std::int64_t expected_version, const Timeline& timeline = {}) {
    return this->value(this->store().put_rca(rca, expected_version, timeline));
  }
  std::optional<Rca> get(const std::string& id) { return this->value(this->store().get_rca(id)); }
  std::int64_t revision() { return this->value(this->store().load({})).rca_revision; }
  Ids listed_ids() {
    Ids ids;
    for (const auto& rca : this->value(this->store().list_rcas())) ids.push_back(rca.id);
    return ids;
  }
  Ids rcas_of(const std::string& incident_id) { return this->incident(incident_id).incident.rcas; }
  /// Opens one incident of checkout and one of payments (HighLatency); their ids.
  std::pair<std::string, std::string> open_checkout_and_payments() {
    this->ingest({firing("HighLatency", "checkout", "c1", kT0),
                  firing("HighLatency", "payments", "p1", kT0)},
                 kT0);
    return {incident_id(source_of("HighLatency", "checkout").id, 1),
            incident_id(source_of("HighLatency", "payments").id, 1)};
  }
};
TYPED_TEST_SUITE(RcaConformance, Backends, BackendNames);

TYPED_TEST(RcaConformance, PutThenGetGivesTheDocumentBack) {
  EXPECT_FALSE(this->get("rca-1").has_value());
  Rca first = rca("rca-1", {"service=\"checkout\""});
  first.document["summary"] = "Ünïcode, \"quotes\" and a big number";
  first.document["impact"] = {{"users_affected", 12345678901234}};
  first = rca_of(first.document);
  first.from_file = true;

  const RcaWrite created = this->put(first, 0);
  EXPECT_TRUE(created.created);
  EXPECT_EQ(created.version, 1);
  const auto stored = this->get("rca-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->document, first.document);
  EXPECT_EQ(stored->id, "rca-1");
  EXPECT_EQ(stored->title, first.title);
  EXPECT_EQ(stored->matchers, Ids{"service=\"checkout\""});
  ASSERT_EQ(stored->action_items.size(), 1u);
  EXPECT_EQ(stored->action_items[0].owner, "ann");
  EXPECT_EQ(stored->version, 1);
  EXPECT_TRUE(stored->from_file);

  Rca second = rca_of(rca_document("rca-1", {"service=\"payments\""}));
  const RcaWrite replaced = this->put(second, 1);
  EXPECT_FALSE(replaced.created);
  EXPECT_EQ(replaced.version, 2);
  const auto again = this->get("rca-1");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->document, second.document);
  EXPECT_EQ(again->version, 2);
  EXPECT_FALSE(again->from_file);
}

TYPED_TEST(RcaConformance, AStaleVersionConflictsAndChangesNothing) {
  Store& store = this->store();
  const Rca original = rca("rca-1", {"service=\"checkout\""});
  ASSERT_EQ(this->put(original, 0).version, 1);
  const std::int64_t revision = this->revision();

  const Rca other = rca("rca-1", {"service=\"payments\""});
  for (const std::int64_t stale : {0, 2, 7}) {  // 0: "must not exist yet"
    const auto write = store.put_rca(other, stale, {});
    ASSERT_FALSE(write.ok()) << stale;
    EXPECT_EQ(write.error().code, ErrorCode::kConflict) << stale;
  }
  const auto missing = store.put_rca(rca("rca-2"), 1, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kConflict);

  const auto stored = this->get("rca-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->document, original.document);
  EXPECT_EQ(stored->version, 1);
  EXPECT_FALSE(this->get("rca-2").has_value());
  EXPECT_EQ(this->listed_ids(), Ids{"rca-1"});
  EXPECT_EQ(this->revision(), revision) << "a lost compare-and-set writes nothing";
}

TYPED_TEST(RcaConformance, LinksAndTimelineEntriesFollowTheDocument) {
  const auto [i1, i2] = this->open_checkout_and_payments();
  const std::size_t i1_events = this->incident(i1).timeline.size();
  const std::size_t i2_events = this->incident(i2).timeline.size();
  EXPECT_TRUE(this->rcas_of(i1).empty());

  const TimelineEvent link1 = linked("rca-1", kT0 + 60 * kSecond);
  this->put(rca("rca-1", {}, {i1}), 0, Timeline{{i1, {link1}}});
  EXPECT_EQ(this->rcas_of(i1), Ids{"rca-1"});
  EXPECT_TRUE(this->rcas_of(i2).empty());
  const auto timeline = this->incident(i1).timeline;
  ASSERT_EQ(timeline.size(), i1_events + 1);
  EXPECT_EQ(to_json(timeline.back()), to_json(link1));
  EXPECT_EQ(this->incident(i2).timeline.size(), i2_events);

  // Re-linked to i2 only: the link moves, i1's timeline keeps its history.
  const TimelineEvent link2 = linked("rca-1", kT0 + 120 * kSecond);
  this->put(rca("rca-1", {}, {i2}), 1, Timeline{{i2, {link2, link2}}});
  EXPECT_TRUE(this->rcas_of(i1).empty());
  EXPECT_EQ(this->rcas_of(i2), Ids{"rca-1"});
  EXPECT_EQ(this->incident(i1).timeline.size(), i1_events + 1);
  ASSERT_EQ(this->incident(i2).timeline.size(), i2_events + 2);
  EXPECT_EQ(to_json(this->incident(i2).timeline.back()), to_json(link2));

  // Several RCAs on one incident are listed by id; the incident document itself is untouched.
  this->put(rca("rca-0", {}, {i2, i1}), 0);
  EXPECT_EQ(this->rcas_of(i2), (Ids{"rca-0", "rca-1"}));
  EXPECT_EQ(this->rcas_of(i1), Ids{"rca-0"});
  EXPECT_EQ(this->incident(i2).incident.occurrences, 1u);
  EXPECT_EQ(this->incident(i2).incident.state, IncidentState::kOpen);
}

// Every read of an incident shows its RCAs, not only the detail: lists of incidents, and the
// current incident of a listed or fetched source (the API's lists and /sources/{id}).
TYPED_TEST(RcaConformance, EveryReadOfAnIncidentShowsItsRcas) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const auto [i1, i2] = this->open_checkout_and_payments();
  this->put(rca("rca-2", {}, {i1}), 0);
  this->put(rca("rca-1", {}, {i1}), 0);

  // The RCA ids of each incident as every read that is not the detail shows them.
  struct Reads {
    std::map<std::string, Ids> listed, filtered, current, fetched;
  };
  const auto reads = [&] {
    Reads r;
    for (const auto& incident : this->value(this->store().list_incidents(IncidentFilter{}))) {
      r.listed[incident.id] = incident.rcas;
    }
    IncidentFilter of_checkout;
    of_checkout.source_id = checkout.id;
    of_checkout.state = IncidentState::kOpen;
    for (const auto& incident : this->value(this->store().list_incidents(of_checkout))) {
      r.filtered[incident.id] = incident.rcas;
    }
    for (const auto& source : this->value(this->store().list_sources(10))) {
      if (source.current) r.current[source.current->id] = source.current->rcas;
    }
    const auto fetched = this->value(this->store().get_source(checkout.id));
    if (fetched && fetched->current) r.fetched[fetched->current->id] = fetched->current->rcas;
    return r;
  };
  const Ids both{"rca-1", "rca-2"};
  Reads linked = reads();
  EXPECT_EQ(linked.listed, (std::map<std::string, Ids>{{i1, both}, {i2, {}}}));
  EXPECT_EQ(linked.filtered, (std::map<std::string, Ids>{{i1, both}}));
  EXPECT_EQ(linked.current, (std::map<std::string, Ids>{{i1, both}, {i2, {}}}));
  EXPECT_EQ(linked.fetched, (std::map<std::string, Ids>{{i1, both}}));
  EXPECT_EQ(this->rcas_of(i1), both) << "the same as the detail";

  ASSERT_TRUE(this->value(this->store().delete_rca("rca-2")));
  const Ids one{"rca-1"};
  Reads deleted = reads();
  EXPECT_EQ(deleted.listed, (std::map<std::string, Ids>{{i1, one}, {i2, {}}}));
  EXPECT_EQ(deleted.filtered, (std::map<std::string, Ids>{{i1, one}}));
  EXPECT_EQ(deleted.current, (std::map<std::string, Ids>{{i1, one}, {i2, {}}}));
  EXPECT_EQ(deleted.fetched, (std::map<std::string, Ids>{{i1, one}}));
}

TYPED_TEST(RcaConformance, EntriesForUnknownIncidentsAreIgnored) {
  const SourceKey later = source_of("HighLatency", "later");
  const std::string unseen = incident_id(later.id, 1);  // well formed, not seen yet
  const std::string foreign = "inc-5e2d7a0c9b13f846";   // not an id this daemon makes
  const RcaWrite write =
      this->put(rca("rca-1", {}, {unseen, foreign}), 0,
                Timeline{{unseen, {linked("rca-1", kT0)}}, {foreign, {linked("rca-1", kT0)}}});
  EXPECT_TRUE(write.created);

  EXPECT_FALSE(this->value(this->store().get_incident(unseen)).has_value());
  EXPECT_FALSE(this->value(this->store().get_incident(foreign)).has_value());
  EXPECT_TRUE(this->value(this->store().list_incidents(IncidentFilter{})).empty());
  EXPECT_EQ(this->value(count_open_incidents(this->store())), 0u);
  const auto stored = this->get("rca-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->incidents, (Ids{unseen, foreign}));

  // When the incident does open, the link is there and the dropped entry is not.
  this->ingest({firing("HighLatency", "later", "l1", kT0 + kSecond)}, kT0 + kSecond);
  const IncidentDetail detail = this->incident(unseen);
  EXPECT_EQ(detail.incident.rcas, Ids{"rca-1"});
  for (const auto& event : detail.timeline) EXPECT_NE(event.type, TimelineEventType::kRcaLinked);
}

TYPED_TEST(RcaConformance, DeleteRemovesTheRcaAndItsLinks) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  this->ingest({firing("HighLatency", "checkout", "c1", kT0)}, kT0);
  const std::string i1 = incident_id(checkout.id, 1);
  this->put(rca("rca-1", {}, {i1}), 0);
  this->put(rca("rca-2", {}, {i1}), 0);
  ASSERT_EQ(this->rcas_of(i1), (Ids{"rca-1", "rca-2"}));

  EXPECT_TRUE(this->value(this->store().delete_rca("rca-1")));
  EXPECT_FALSE(this->get("rca-1").has_value());
  EXPECT_EQ(this->rcas_of(i1), Ids{"rca-2"});
  EXPECT_EQ(this->listed_ids(), Ids{"rca-2"});
  EXPECT_FALSE(this->value(this->store().delete_rca("rca-1")));
  EXPECT_FALSE(this->value(this->store().delete_rca("never-was")));

  // Gone means gone: the id can be created again from version 0.
  const RcaWrite again = this->put(rca("rca-1"), 0);
  EXPECT_TRUE(again.created);
  EXPECT_EQ(again.version, 1);
  EXPECT_EQ(this->rcas_of(i1), Ids{"rca-2"});
}

// The API and --rca.dir refuse documents nested deeper than kMaxJsonDepth (32, in
// receiver/json_body.h); at that depth every operation works on every store (Redis' Lua
// scripts decode the record with cjson, whose own limit is 1000 levels).
TYPED_TEST(RcaConformance, AnRcaAtTheDepthLimitCanBeStoredReadChangedAndDeleted) {
  constexpr int kMaxJsonDepth = 32;
  const SourceKey checkout = source_of("HighLatency", "checkout");
  this->ingest({firing("HighLatency", "checkout", "c1", kT0)}, kT0);
  const std::string i1 = incident_id(checkout.id, 1);
  // The document is level 1, "x-deep" and its arrays levels 2 to kMaxJsonDepth.
  json deep = json::array();
  for (int level = 3; level <= kMaxJsonDepth; ++level) deep = json::array({deep});
  json doc = rca_document("rca-deep", {"service=\"checkout\""}, {i1});
  doc["x-deep"] = deep;
  ASSERT_EQ(this->put(rca_of(doc), 0).version, 1);
  auto stored = this->get("rca-deep");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->document, doc);
  EXPECT_EQ(this->rcas_of(i1), Ids{"rca-deep"});

  doc["title"] = "Changed";
  doc["x-deep-too"] = deep;
  ASSERT_EQ(this->put(rca_of(doc), 1).version, 2);
  stored = this->get("rca-deep");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->document, doc);
  EXPECT_EQ(this->listed_ids(), Ids{"rca-deep"});

  EXPECT_TRUE(this->value(this->store().delete_rca("rca-deep")));
  EXPECT_FALSE(this->get("rca-deep").has_value());
  EXPECT_TRUE(this->rcas_of(i1).empty());
}

TYPED_TEST(RcaConformance, ListsEveryRcaById) {
  EXPECT_TRUE(this->listed_ids().empty());
  for (const std::string id : {"rca-b", "RCA-2026-018", "rca-a", "rca.db_2", "rca-c"}) {
    this->put(rca(id), 0);
  }
  this->put(rca("rca-a", {"service=\"checkout\""}), 1);
  EXPECT_EQ(this->listed_ids(), (Ids{"RCA-2026-018", "rca-a", "rca-b", "rca-c", "rca.db_2"}));
  const auto all = this->value(this->store().list_rcas());
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[1].version, 2);
  EXPECT_EQ(all[1].matchers, Ids{"service=\"checkout\""});
  EXPECT_EQ(all[2].version, 1);
  EXPECT_EQ(all[2].document, rca_document("rca-b"));
}

// Every listing shows the RCAs as stored now, whatever was listed before: a replaced document,
// and one deleted and created again under its id (at version 1 again).
TYPED_TEST(RcaConformance, ListingsFollowEveryWrite) {
  json doc = rca_document("rca-1");
  this->put(rca_of(doc), 0);
  this->put(rca("rca-2"), 0);
  ASSERT_EQ(this->value(this->store().list_rcas())[0].document, doc);

  // Deleted and created again, both at version 1, with no listing in between.
  EXPECT_TRUE(this->value(this->store().delete_rca("rca-1")));
  doc["title"] = "Created again";
  ASSERT_EQ(this->put(rca_of(doc), 0).version, 1);
  auto listed = this->value(this->store().list_rcas());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].title, "Created again");
  EXPECT_EQ(listed[0].document, doc);

  doc["title"] = "Replaced";
  this->put(rca_of(doc), 1);
  EXPECT_EQ(this->value(this->store().list_rcas())[0].title, "Replaced");
  EXPECT_TRUE(this->value(this->store().delete_rca("rca-1")));
  EXPECT_EQ(this->listed_ids(), Ids{"rca-2"});
}

TYPED_TEST(RcaConformance, TheRevisionMovesOnEveryWrite) {
  EXPECT_EQ(this->revision(), 0) << "an empty store";
  std::int64_t last = 0;
  const auto moved = [&] {
    const std::int64_t now = this->revision();
    const bool up = now > last;
    last = now;
    return up;
  };
  this->put(rca("rca-1"), 0);
  EXPECT_TRUE(moved()) << "create";
  this->put(rca("rca-1", {"service=\"checkout\""}), 1);
  EXPECT_TRUE(moved()) << "replace";
  this->put(rca("rca-2"), 0);
  EXPECT_TRUE(moved()) << "another";
  EXPECT_FALSE(this->store().put_rca(rca("rca-2"), 0, {}).ok());
  EXPECT_FALSE(moved()) << "a conflict writes nothing";
  EXPECT_TRUE(this->value(this->store().delete_rca("rca-1")));
  EXPECT_TRUE(moved()) << "delete";
  EXPECT_FALSE(this->value(this->store().delete_rca("rca-1")));
  EXPECT_FALSE(moved()) << "deleting nothing writes nothing";

  // The revision comes with the sources, in the same load.
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const LoadResult loaded = this->value(this->store().load({SourceLoad{checkout, {"x@1"}, {"x"}}}));
  EXPECT_EQ(loaded.rca_revision, last);
  ASSERT_EQ(loaded.sources.size(), 1u);
  EXPECT_EQ(loaded.sources[0].state.version, 0);
}

TYPED_TEST(RcaConformance, TheIngestorFlagsRepeatsFromRcasAndSeesNewOnes) {
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const SourceKey payments = source_of("HighLatency", "payments");
  const SourceKey search = source_of("HighLatency", "search");
  this->put(rca("rca-1", {"service=\"checkout\""}), 0);

  const IngestConfig config;  // (named: GCC 12 crashes on IngestConfig{} here)
  Ingestor ingestor(this->store(), config);
  ASSERT_TRUE(ingestor.ingest({firing("HighLatency", "checkout", "c1", kT0),
                               firing("HighLatency", "payments", "p1", kT0)},
                              kT0));
  const Incident first = this->incident(incident_id(checkout.id, 1)).incident;
  ASSERT_TRUE(first.repeat.has_value()) << "the first incident of a source an RCA covers";
  ASSERT_EQ(first.repeat->rcas.size(), 1u);
  EXPECT_EQ(first.repeat->rcas[0].id, "rca-1");
  EXPECT_EQ(first.repeat->rcas[0].open_action_items, 1u);
  EXPECT_EQ(first.repeat->open_action_items, 1u);
  EXPECT_FALSE(this->incident(incident_id(payments.id, 1)).incident.repeat.has_value());

  // Written after the Ingestor read the RCAs (by another daemon, say): the revision moved, so
  // the next webhook reads them again.
  this->put(rca("rca-2", {"service=~\"search|billing\""}), 0);
  ASSERT_TRUE(ingestor.ingest({firing("HighLatency", "search", "s1", kT0 + kSecond)},
                              kT0 + kSecond));
  const Incident later = this->incident(incident_id(search.id, 1)).incident;
  ASSERT_TRUE(later.repeat.has_value()) << "an RCA written after the first webhook";
  ASSERT_EQ(later.repeat->rcas.size(), 1u);
  EXPECT_EQ(later.repeat->rcas[0].id, "rca-2");

  // And a deleted RCA stops counting.
  ASSERT_TRUE(this->value(this->store().delete_rca("rca-2")));
  ASSERT_TRUE(ingestor.ingest({firing("HighLatency", "billing", "b1", kT0 + 2 * kSecond)},
                              kT0 + 2 * kSecond));
  EXPECT_FALSE(this->incident(incident_id(source_of("HighLatency", "billing").id, 1))
                   .incident.repeat.has_value());
}

}  // namespace
}  // namespace pmx::store_test
