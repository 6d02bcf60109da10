// RedisStore on a real Redis Cluster (3 masters, a replica each) while it changes under a
// stream of webhooks: the store's slot is resharded to another master key by key, and that
// master is then failed over to its replica, with --redis.wait-replicas=1. Counts and KPIs come
// out exact: every batch the stream got acknowledged is stored once, nothing else is.
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "pmx/service/ingestor.h"
#include "redis_cluster_slots.h"
#include "store_test_support.h"

namespace pmx::store_test {
namespace {

using namespace std::chrono_literals;

constexpr int kSources = 20;

// One webhook of the stream: an alert of each source, every one a new occurrence.
std::vector<Alert> batch(int number) {
  std::vector<Alert> alerts;
  for (int s = 0; s < kSources; ++s) {
    alerts.push_back(firing("HighLatency", "svc" + std::to_string(s),
                            "fp-" + std::to_string(number) + "-" + std::to_string(s),
                            kT0 + number * kSecond));
  }
  return alerts;
}

// Sends batch after batch, each until acknowledged (as Alertmanager retries a webhook answered
// 5xx), until told to stop.
class Stream {
 public:
  explicit Stream(Store& store) : ingestor_(store, IngestConfig{}), thread_([this] { run(); }) {}
  ~Stream() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int acknowledged() const { return acknowledged_; }
  int refused() const { return refused_; }
  // Waits (bounded) until `more` further batches are acknowledged.
  bool advance(int more) {
    const int target = acknowledged_ + more;
    return testing::poll_until([&] { return acknowledged_ >= target; }, 30s);
  }

 private:
  void run() {
    for (int number = 0; !stopping_;) {
      const auto counts = ingestor_.ingest(batch(number), kT0 + number * kSecond);
      if (counts.ok()) {
        ++number;
        acknowledged_ = number;
      } else {
        ++refused_;  // kUnavailable: a migration or failover in progress; send it again
        std::this_thread::sleep_for(5ms);  // Alertmanager's back-off, shortened
      }
    }
  }

  Ingestor ingestor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> acknowledged_{0};
  std::atomic<int> refused_{0};
  std::thread thread_;
};

TEST(RedisStoreOnCluster, CountsAndKpisStayExactThroughAReshardAndAFailover) {
  testing::RedisCluster cluster;
  RedisConfig config;
  config.url = "redis://";
  config.cluster = cluster.seeds();
  config.wait_replicas = 1;
  RedisStore store(config);
  const int slot = cluster_hash_slot("{pm}:v2:sources:seen");

  Stream stream(store);
  ASSERT_TRUE(stream.advance(20)) << "the stream does not start: " << store.last_error();

  // Reshard the store's slot key by key while the stream goes on.
  const int from = cluster.node_for_slot(slot);
  int to = 0;
  for (const int port : cluster.master_ports()) {
    if (port != from) to = port;
  }
  cluster.begin_migration(slot, from, to);
  std::size_t moved = 0;
  for (std::size_t step; (step = cluster.migrate_keys(slot, 10)) > 0;) moved += step;
  cluster.finish_migration(slot);
  EXPECT_GT(moved, 100u) << "the slot held the store's data";
  EXPECT_EQ(cluster.node_for_slot(slot), to);
  ASSERT_TRUE(stream.advance(20)) << "no progress after the reshard: " << store.last_error();

  // Then fail the new master over to its replica.
  std::size_t index = 0;
  while (cluster.master_ports()[index] != to) ++index;
  cluster.failover(index);
  ASSERT_TRUE(stream.advance(20)) << "no progress after the failover: " << store.last_error();
  stream.stop();

  // Every acknowledged batch is stored once: kSources occurrences each, in one open incident per
  // source, and nothing of a batch that was never acknowledged (the stream sends each until it
  // is, so the last one is the only one that could be stored but unacknowledged: it was not).
  const std::uint64_t expected = static_cast<std::uint64_t>(stream.acknowledged());
  const auto kpis = store.read_kpis(
      {KpiRange{"opened", kpi_index::kOpened, kMinusInfinity, kPlusInfinity}}, kSources);
  ASSERT_TRUE(kpis.ok()) << kpis.error().message();
  ASSERT_EQ(kpis->top_sources.size(), static_cast<std::size_t>(kSources));
  for (const auto& source : kpis->top_sources) {
    EXPECT_EQ(source.occurrences, expected) << source.source;
  }
  EXPECT_EQ(kpis->open_incidents, static_cast<std::uint64_t>(kSources));
  EXPECT_EQ(kpis->range_counts.at("opened"), kSources);
  const auto incidents = store.list_incidents(IncidentFilter{});
  ASSERT_TRUE(incidents.ok());
  ASSERT_EQ(incidents->size(), static_cast<std::size_t>(kSources));
  for (const auto& incident : *incidents) {
    EXPECT_EQ(incident.occurrences, expected) << incident.id;
    EXPECT_EQ(incident.alerts.size(), expected) << incident.id;
  }
  std::cout << "batches acknowledged " << expected << ", refused and sent again "
            << stream.refused() << ", keys moved " << moved << "\n";
}

}  // namespace
}  // namespace pmx::store_test
