// RedisStore and SqliteStore against MemoryStore, read for read: the same pseudo-random history
// of webhooks (firings, resolves, refires inside and outside the reopen window, re-sends) goes
// into both, and every read must give the same documents. Comparing whole JSON documents covers
// every field core's codec writes, including ones added after these tests were written. RCAs
// are written, replaced and deleted along the way, so repeat flags from RCA matchers, incident
// links and RCA timeline entries are compared too.
#include <algorithm>
#include <map>
#include <random>

#include "pmx/core/json_codec.h"
#include "pmx/core/rca_loader.h"
#include "pmx/service/ingestor.h"
#include "store_test_support.h"

namespace pmx::store_test {
namespace {

using nlohmann::json;

/// A deterministic history: `webhooks` batches over `sources` sources of 3 alerts each.
std::vector<std::vector<Alert>> history(int webhooks, int sources, unsigned seed) {
  std::mt19937 random(seed);
  struct Firing {
    bool firing = false;
    UnixNanos starts_at = 0;
  };
  std::map<std::string, Firing> alerts;  // by fingerprint
  std::vector<std::vector<Alert>> batches;
  for (int w = 0; w < webhooks; ++w) {
    const UnixNanos now = kT0 + w * 45 * kSecond;
    if (w > 0 && random() % 5 == 0) {  // a re-send (repeat interval, retry, HA peer)
      batches.push_back(batches[random() % batches.size()]);
      continue;
    }
    std::vector<Alert> batch;
    for (int s = 0; s < sources; ++s) {
      for (int a = 0; a < 3; ++a) {
        if (random() % 3 != 0) continue;
        const std::string service = "svc" + std::to_string(s);
        const std::string fingerprint = service + "-" + std::to_string(a);
        Firing& state = alerts[fingerprint];
        if (!state.firing) {
          state = Firing{true, now - static_cast<UnixNanos>(random() % 10) * kSecond};
          batch.push_back(firing("HighLatency", service, fingerprint, state.starts_at));
        } else if (random() % 2 == 0) {
          state.firing = false;
          batch.push_back(
              resolved(firing("HighLatency", service, fingerprint, state.starts_at), now));
        } else {
          batch.push_back(firing("HighLatency", service, fingerprint, state.starts_at));
        }
      }
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

template <typename T>
json value_json(const Result<T>& result) {
  EXPECT_TRUE(result.ok()) << result.error().message();
  if (!result.ok()) return json();
  return json(*result);
}

json incidents_json(Store& store, const IncidentFilter& filter) {
  const auto listed = store.list_incidents(filter);
  EXPECT_TRUE(listed.ok());
  json out = json::array();
  if (!listed.ok()) return out;
  for (const auto& incident : *listed) {
    const auto detail = store.get_incident(incident.id);
    EXPECT_TRUE(detail.ok() && detail->has_value()) << incident.id;
    json timeline = json::array();
    json rcas = json::array();
    if (detail.ok() && detail->has_value()) {
      for (const auto& event : (*detail)->timeline) timeline.push_back(to_json(event));
      // A listed incident is the incident the detail shows, RCA links included.
      rcas = (*detail)->incident.rcas;
      EXPECT_EQ(to_json((*detail)->incident), to_json(incident)) << incident.id;
    }
    out.push_back({{"incident", to_json(incident)}, {"timeline", timeline}, {"rcas", rcas}});
  }
  return out;
}

json rcas_json(Store& store) {
  const auto rcas = store.list_rcas();
  EXPECT_TRUE(rcas.ok());
  json out = json::array();
  if (!rcas.ok()) return out;
  for (const auto& rca : *rcas) {
    const auto single = store.get_rca(rca.id);
    EXPECT_TRUE(single.ok() && single->has_value()) << rca.id;
    if (single.ok() && single->has_value()) {
      EXPECT_EQ((*single)->document, rca.document);
    }
    out.push_back({{"version", rca.version}, {"from_file", rca.from_file}, {"document", rca.document}});
  }
  return out;
}

Rca rca(const std::string& id, const std::string& matcher,
        const std::vector<std::string>& incidents) {
  json doc{{"id", id}, {"title", id}, {"status", "draft"}, {"matchers", {matcher}},
           {"incidents", incidents},
           {"action_items",
            json::array({{{"id", "a1"}, {"title", "fix"}, {"type", "prevent"}, {"priority", "P2"},
                          {"owner", "ann"}, {"due", "2026-12-01"}, {"status", "open"}}})}};
  auto loaded = load_rca(doc);
  EXPECT_TRUE(loaded.ok()) << doc.dump();
  return loaded.ok() ? std::move(*loaded) : Rca{};
}

/// The RCA writes at some batches of the history: the same calls on both stores, which must
/// answer the same.
void write_rcas(std::size_t batch, UnixNanos now, Store& tested, Store& memory_store) {
  const std::string svc0_1 = incident_id(source_of("HighLatency", "svc0").id, 1);
  const std::string svc1_1 = incident_id(source_of("HighLatency", "svc1").id, 1);
  const TimelineEvent linked{TimelineEventType::kRcaLinked, now, now, "", "rca"};
  for (Store* store : {&tested, &memory_store}) {
    Result<RcaWrite> write = ErrorCode::kUnavailable;
    Result<bool> deleted = false;
    switch (batch) {
      case 5:
        write = store->put_rca(rca("rca-1", "service=~\"svc[345]\"", {svc0_1}), 0,
                               {{svc0_1, {linked}}});
        break;
      case 30:
        write = store->put_rca(rca("rca-2", "service=~\"svc[0-2]\"", {svc1_1, svc0_1}), 0,
                               {{svc1_1, {linked}}, {svc0_1, {linked}}});
        break;
      case 40:
        write = store->put_rca(rca("rca-1", "service=\"svc4\"", {svc1_1}), 1, {{svc1_1, {linked}}});
        break;
      case 50:
        deleted = store->delete_rca("rca-2");
        EXPECT_TRUE(deleted.ok() && *deleted);
        continue;
      default:
        return;
    }
    EXPECT_TRUE(write.ok()) << "batch " << batch;
  }
}

json sources_json(Store& store) {
  const auto sources = store.list_sources(1000);
  EXPECT_TRUE(sources.ok());
  json out = json::array();
  if (!sources.ok()) return out;
  for (const auto& source : *sources) {
    out.push_back(to_json(source));
    const auto single = store.get_source(source.key.id);
    EXPECT_TRUE(single.ok() && single->has_value());
    if (single.ok() && single->has_value()) {
      EXPECT_EQ(to_json(**single), to_json(source));
    }
  }
  return out;
}

json top_json(Store& store) {
  const auto top = top_sources(store, 1000);
  EXPECT_TRUE(top.ok());
  json out = json::array();
  if (!top.ok()) return out;
  for (const auto& count : *top) out.push_back({count.source, count.occurrences});
  return out;
}

/// The same history into `tested` (RedisStore or SqliteStore) and into a MemoryStore;
/// every read must agree.
void read_for_read(Store& tested, unsigned seed) {
  MemoryStore memory_store;
  IngestConfig rules;
  rules.reopen_window = 2 * 60 * kSecond;  // some refires reopen, some open the next incident

  const auto batches = history(60, 6, seed);
  Ingestor into_tested(tested, rules);
  Ingestor into_memory(memory_store, rules);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    const UnixNanos received_at = kT0 + static_cast<UnixNanos>(b) * 45 * kSecond + kSecond;
    write_rcas(b, received_at, tested, memory_store);
    const auto in_tested = into_tested.ingest(batches[b], received_at);
    const auto in_memory = into_memory.ingest(batches[b], received_at);
    ASSERT_TRUE(in_tested.ok() && in_memory.ok()) << "batch " << b;
    EXPECT_EQ(in_tested->occurrences, in_memory->occurrences) << "batch " << b;
    EXPECT_EQ(in_tested->duplicates, in_memory->duplicates) << "batch " << b;
  }

  std::vector<IncidentFilter> filters(1);
  filters.back().limit = 1000;
  for (const auto state : {IncidentState::kOpen, IncidentState::kResolved}) {
    filters.emplace_back();
    filters.back().state = state;
    filters.back().limit = 1000;
  }
  for (int s = 0; s < 6; ++s) {
    filters.emplace_back();
    filters.back().source_id = source_of("HighLatency", "svc" + std::to_string(s)).id;
    filters.emplace_back(filters.back());
    filters.back().state = IncidentState::kResolved;
    filters.back().limit = 2;
  }
  for (const auto& filter : filters) {
    EXPECT_EQ(incidents_json(tested, filter), incidents_json(memory_store, filter))
        << (filter.source_id ? *filter.source_id : "all") << " "
        << (filter.state ? to_string(*filter.state) : "any");
  }
  const json sources = sources_json(memory_store);
  EXPECT_GE(sources.size(), 5u) << "the history should touch most sources";
  const json all = incidents_json(memory_store, filters.front());
  const auto count = [&](auto predicate) {
    return std::count_if(all.begin(), all.end(),
                         [&](const json& i) { return predicate(i["incident"]); });
  };
  EXPECT_GT(count([](const json& i) { return i["number"].get<int>() > 1; }), 0) << "next incidents";
  EXPECT_GT(count([](const json& i) { return i["reopened"].get<int>() > 0; }), 0) << "reopens";
  EXPECT_GT(count([](const json& i) { return i["state"] == "resolved"; }), 0) << "resolutions";
  EXPECT_GT(count([](const json& i) { return !i["repeat"].is_null() && !i["repeat"]["rcas"].empty(); }),
            0)
      << "repeats flagged from RCAs";
  EXPECT_GT(std::count_if(all.begin(), all.end(), [](const json& i) { return !i["rcas"].empty(); }),
            0)
      << "linked incidents";
  EXPECT_EQ(rcas_json(tested), rcas_json(memory_store));
  EXPECT_EQ(sources_json(tested), sources);
  EXPECT_EQ(top_json(tested), top_json(memory_store));
  EXPECT_EQ(value_json(count_open_incidents(tested)),
            value_json(count_open_incidents(memory_store)));
}

class RedisMatchesMemory : public ::testing::TestWithParam<unsigned> {};

TEST_P(RedisMatchesMemory, ReadForRead) {
  testing::RedisServer redis;
  RedisConfig config;
  config.url = redis.url();
  RedisStore redis_store(config);
  read_for_read(redis_store, GetParam());
}

class SqliteMatchesMemory : public ::testing::TestWithParam<unsigned> {};

TEST_P(SqliteMatchesMemory, ReadForRead) {
  SqliteBackend sqlite;
  sqlite.reset();
  read_for_read(sqlite.store(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Seeds, RedisMatchesMemory, ::testing::Values(1u, 2u, 3u));
INSTANTIATE_TEST_SUITE_P(Seeds, SqliteMatchesMemory, ::testing::Values(1u, 2u, 3u));

}  // namespace
}  // namespace pmx::store_test
