#pragma once
// The Store conformance suite's fixture: every test in conformance_*_test.cpp runs against
// MemoryStore, SqliteStore (a fresh database file per test) and RedisStore on a real
// redis-server. Tests drive the Ingestor the way the webhook handler does, then check the
// Store reads the API and /metrics use.
#include <string>
#include <type_traits>
#include <vector>

#include "pmx/service/ingestor.h"
#include "store_test_support.h"

namespace pmx::store_test {

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Backend::SetUpTestSuite(); }
  static void TearDownTestSuite() { Backend::TearDownTestSuite(); }
  void SetUp() override { backend_.reset(); }

  Store& store() { return backend_.store(); }

  IngestCounts ingest(const std::vector<Alert>& alerts, UnixNanos received_at,
                      const IngestConfig& config = {}) {
    Ingestor ingestor(store(), config);
    auto counts = ingestor.ingest(alerts, received_at);
    EXPECT_TRUE(counts.ok()) << counts.error().message();
    return counts.ok() ? *counts : IngestCounts{};
  }

  // The value of a store read, failing the test (and returning T{}) on a ErrorCode.
  template <typename T>
  static T value(Result<T> result) {
    EXPECT_TRUE(result.ok()) << result.error().message();
    return result.ok() ? std::move(*result) : T{};
  }

  std::vector<std::string> incident_ids(const IncidentFilter& filter) {
    std::vector<std::string> ids;
    for (const auto& incident : value(store().list_incidents(filter))) ids.push_back(incident.id);
    return ids;
  }

  SourceState source(const SourceKey& key) {
    const auto found = value(store().get_source(key.id));
    EXPECT_TRUE(found.has_value()) << key.canonical;
    return found.value_or(SourceState{});
  }

  IncidentDetail incident(const std::string& id) {
    const auto found = value(store().get_incident(id));
    EXPECT_TRUE(found.has_value()) << id;
    return found.value_or(IncidentDetail{});
  }

  Backend backend_;
};

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryBackend>) return "Memory";
    if (std::is_same_v<T, SqliteBackend>) return "Sqlite";
    if constexpr (std::is_same_v<T, RedisClusterBackend>) return "RedisCluster";
    return std::is_same_v<T, RedisTlsBackend> ? "RedisTls" : "Redis";
  }
};

using Backends = ::testing::Types<MemoryBackend, SqliteBackend, RedisBackend, RedisTlsBackend,
                                  RedisClusterBackend>;

/// The types of a timeline's lifecycle events, in order. Repeat flags are left out: whether an
/// incident is a repeat is core's rule (tests/unit); here the question is whether the store keeps
/// what the rules produced, which the RedisStore-vs-MemoryStore comparison checks in full.
inline std::vector<TimelineEventType> types_of(const std::vector<TimelineEvent>& events) {
  std::vector<TimelineEventType> types;
  for (const auto& event : events) {
    if (event.type != TimelineEventType::kFlaggedRepeat) types.push_back(event.type);
  }
  return types;
}

using Event = TimelineEventType;

}  // namespace pmx::store_test
