#pragma once
// Shared by the store tests: alert builders and the three backends the conformance suite runs on.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../support/redis_cluster.h"  // the test cluster (store/src/ has a redis_cluster.h)
#include "pmx/core/source.h"
#include "pmx/store/memory_store.h"
#include "pmx/store/redis_store.h"
#include "pmx/store/sqlite_store.h"
#include "process.h"
#include "redis_server.h"
#include "store_reads.h"
#include "tls_certificates.h"

namespace pmx::store_test {

constexpr UnixNanos kSecond = kNanosPerSecond;
constexpr UnixNanos kT0 = 1795419853 * kSecond;  // 2026-11-23T07:44:13Z

inline Alert firing(const std::string& alertname, const std::string& service,
                    const std::string& fingerprint, UnixNanos starts_at) {
  Alert alert;
  alert.status = AlertStatus::kFiring;
  alert.fingerprint = fingerprint;
  alert.starts_at = starts_at;
  alert.labels = {{"alertname", alertname}, {"service", service}, {"instance", fingerprint}};
  alert.annotations = {{"summary", "latency above SLO"}};
  alert.generator_url = "http://prometheus.example/graph";
  return alert;
}

inline Alert resolved(Alert alert, UnixNanos ends_at) {
  alert.status = AlertStatus::kResolved;
  alert.ends_at = ends_at;
  return alert;
}

/// The source key an alert built by firing() belongs to, with the default source labels.
inline SourceKey source_of(const std::string& alertname, const std::string& service) {
  return source_key_for({{"alertname", alertname}, {"service", service}}, {"alertname", "service"});
}

/// What tests/fixtures/sqlite/schema-v1.sql and tests/fixtures/redis-v1 hold, read through a
/// store: the Alertmanager fixtures 01..07 and a published RCA (checkout-latency) naming both
/// incidents.
inline void expect_fixture_data(Store& store) {
  const auto incidents = store.list_incidents(IncidentFilter{});
  ASSERT_TRUE(incidents.ok()) << incidents.error().message();
  ASSERT_EQ(incidents->size(), 2u);
  const SourceKey checkout = source_of("HighLatency", "checkout");
  const auto source = store.get_source(checkout.id);
  ASSERT_TRUE(source.ok() && source->has_value());
  EXPECT_EQ((*source)->occurrences, 3u);
  ASSERT_TRUE((*source)->current.has_value());
  EXPECT_EQ((*source)->current->state, IncidentState::kOpen);
  EXPECT_EQ((*source)->current->rcas, std::vector<std::string>{"checkout-latency"});
  const auto detail = store.get_incident((*source)->current->id);
  ASSERT_TRUE(detail.ok() && detail->has_value());
  EXPECT_EQ((*detail)->incident.alerts.size(), 2u);
  EXPECT_FALSE((*detail)->timeline.empty());
  const auto rcas = store.list_rcas();
  ASSERT_TRUE(rcas.ok());
  ASSERT_EQ(rcas->size(), 1u);
  EXPECT_EQ(rcas->front().action_items.size(), 3u);
  EXPECT_EQ(rcas->front().incidents.size(), 2u);
  const auto kpis = store.read_kpis({}, 10);
  ASSERT_TRUE(kpis.ok());
  EXPECT_EQ(kpis->open_incidents, 1u);
  EXPECT_EQ(kpis->top_sources.size(), 2u);
  std::int64_t items = 0;
  for (const auto& [key, count] : kpis->action_items) items += count;
  EXPECT_EQ(items, 3);
}

/// The embedded store. "Another daemon" on the same data is another Ingestor on the same store.
struct MemoryBackend {
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  void reset() { store_ = std::make_unique<MemoryStore>(); }
  Store& store() { return *store_; }
  Store& other_daemon_store() { return *store_; }

  std::unique_ptr<MemoryStore> store_;
};

/// Two RedisStores on the same Redis: a daemon and "another daemon" (its own connections).
struct TwoRedisStores {
  void open(const RedisConfig& config) {
    store_ = std::make_unique<RedisStore>(config);
    other_ = std::make_unique<RedisStore>(config);
  }
  Store& store() { return *store_; }
  Store& other_daemon_store() { return *other_; }

  std::unique_ptr<RedisStore> store_;
  std::unique_ptr<RedisStore> other_;
};

/// A real redis-server per suite, flushed before each test. "Another daemon" is a second
/// RedisStore (its own connections) on the same server. RedisTlsBackend talks to it over TLS
/// (`rediss://`), presenting a client certificate, which the server requires.
template <bool kTls>
struct RedisBackendOf : TwoRedisStores {
  static void SetUpTestSuite() {
    if (kTls) {
      certificates() = std::make_unique<testing::TestCertificates>();
      tls_port() = testing::free_port();
    }
    server() = std::make_unique<testing::RedisServer>(
        false, kTls ? testing::redis_tls_args(tls_port(), certificates()->server(),
                                              certificates()->ca(), true)
                    : std::vector<std::string>{});
  }
  static void TearDownTestSuite() {
    server().reset();
    certificates().reset();
  }
  static std::unique_ptr<testing::RedisServer>& server() {
    static std::unique_ptr<testing::RedisServer> instance;
    return instance;
  }
  static std::unique_ptr<testing::TestCertificates>& certificates() {
    static std::unique_ptr<testing::TestCertificates> instance;
    return instance;
  }
  static int& tls_port() {
    static int port = 0;
    return port;
  }
  void reset() {
    ASSERT_EQ(server()->cli("FLUSHALL"), "OK\n");
    RedisConfig config;
    config.url = server()->url();
    if (kTls) {
      config.url = "rediss://127.0.0.1:" + std::to_string(tls_port());
      config.tls = {certificates()->ca(), certificates()->client().cert,
                    certificates()->client().key, ""};
    }
    open(config);
  }
};
using RedisBackend = RedisBackendOf<false>;
using RedisTlsBackend = RedisBackendOf<true>;

/// A real Redis Cluster of 3 masters per suite, flushed before each test: RedisStore with
/// RedisConfig::cluster, which finds the master of the store's one slot through the slot map.
struct RedisClusterBackend : TwoRedisStores {
  static void SetUpTestSuite() {
    testing::RedisCluster::Options options;
    options.replicas = 0;  // the suite is about behaviour; failover has its own tests
    cluster() = std::make_unique<testing::RedisCluster>(options);
  }
  static void TearDownTestSuite() { cluster().reset(); }
  static std::unique_ptr<testing::RedisCluster>& cluster() {
    static std::unique_ptr<testing::RedisCluster> instance;
    return instance;
  }
  void reset() {
    cluster()->flush();
    RedisConfig config;
    config.url = "redis://";
    config.cluster = cluster()->seeds();
    open(config);
  }
};

/// SqliteStore on a fresh database file in a fresh temporary directory per test (removed when
/// the next test starts or the fixture ends). "Another daemon" on the same data is the same
/// store: a second process cannot open the file (SqliteStore's lock), so two daemons never
/// share one.
struct SqliteBackend {
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  ~SqliteBackend() { clear(); }
  void reset() {
    clear();
    dir_ = testing::make_temp_dir("pmx-sqlite");
    SqliteConfig config;
    config.path = dir_ + "/pmx.db";
    config.sync = SqliteSync::kNormal;  // the suite is about behaviour; durability has its own tests
    store_ = std::make_unique<SqliteStore>(config);
  }
  void clear() {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    dir_.clear();
  }
  Store& store() { return *store_; }
  Store& other_daemon_store() { return *store_; }

  std::string dir_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace pmx::store_test
