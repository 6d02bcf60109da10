#include "redis_cluster.h"

#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string_view>

namespace pmx {
namespace {

// "host:port" split; the host unbracketed ("[::1]:7000" → "::1").
RedisEndpoint node_endpoint(RedisEndpoint endpoint, const std::string& address) {
  const std::size_t colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  endpoint.host = host;
  endpoint.port = colon == std::string::npos ? 6379 : std::atoi(address.c_str() + colon + 1);
  return endpoint;
}

}  // namespace

RedisClusterClient::RedisClusterClient(std::vector<RedisEndpoint> seeds, const RedisConfig& config,
                                       std::vector<RedisScript> scripts)
    : seeds_(std::move(seeds)),
      pool_config_(config),
      on_availability_(config.on_availability),
      scripts_(std::move(scripts)) {
  if (seeds_.empty()) throw std::invalid_argument("redis cluster: no seed node");
  std::string error;
  const auto endpoint = parse_redis_url(config.url, &error, false);
  if (!endpoint) throw std::invalid_argument("redis url: " + error);
  if (endpoint->db != 0) throw std::invalid_argument("redis cluster: only db 0 exists");
  credentials_ = *endpoint;
  pool_config_.on_availability = nullptr;
  for (const RedisEndpoint& seed : seeds_) {
    seed_addresses_.push_back(
        (seed.host.find(':') != std::string::npos ? "[" + seed.host + "]" : seed.host) + ":" +
        std::to_string(seed.port));
    seed_list_ += (seed_list_.empty() ? "" : ",") + seed_addresses_.back();
  }
}

RedisClusterClient::~RedisClusterClient() = default;

std::optional<std::vector<RedisReply>> RedisClusterClient::run(
    const std::vector<RedisCommand>& commands) {
  return execute(commands, Mode::kPlain, nullptr, {});
}

std::optional<std::vector<RedisReply>> RedisClusterClient::run_script(
    std::vector<RedisCommand> commands, const RedisScript& script) {
  return execute(std::move(commands), Mode::kScript, &script, {});
}

std::optional<std::vector<RedisReply>> RedisClusterClient::run_replicated_read(
    std::vector<RedisCommand> commands, const std::string& fence_key) {
  // Without WAIT a fence proves nothing: a plain pipeline, as the single-server pool does.
  const Mode mode = pool_config_.wait_replicas > 0 ? Mode::kFence : Mode::kPlain;
  return execute(std::move(commands), mode, nullptr, fence_key);
}

std::uint64_t RedisClusterClient::round_trips() const {
  std::uint64_t total = round_trips_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  for (const auto& [address, pool] : pools_) total += pool->round_trips();
  return total;
}

std::string RedisClusterClient::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

std::shared_ptr<const ClusterSlotMap> RedisClusterClient::slot_map() const {
  std::lock_guard lock(mutex_);
  return map_;
}

std::shared_ptr<RedisConnectionPool> RedisClusterClient::pool_for(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto& pool = pools_[address];
  // Constructing a pool connects nothing: fine under the lock.
  if (!pool) {
    pool = std::make_shared<RedisConnectionPool>(
        node_endpoint(credentials_, address), std::vector<RedisEndpoint>{}, pool_config_, scripts_);
  }
  return pool;
}

bool RedisClusterClient::refresh(std::string& error) {
  std::vector<std::string> candidates = seed_addresses_;
  if (const auto known = slot_map()) {
    candidates.insert(candidates.end(), known->masters.begin(), known->masters.end());
  }
  std::string failures;
  std::set<std::string> asked;
  for (const std::string& address : candidates) {
    if (!asked.insert(address).second) continue;
    const auto pool = pool_for(address);
    auto replies = pool->run({{"CLUSTER", "SLOTS"}});
    std::string why;
    if (replies) {
      if (auto map =
              parse_cluster_slots(replies->front().get(), cluster_address_host(address), why)) {
        if (!map->masters.empty()) {
          auto snapshot = std::make_shared<const ClusterSlotMap>(std::move(*map));
          map_refreshes_.fetch_add(1, std::memory_order_relaxed);
          std::lock_guard lock(mutex_);
          map_ = std::move(snapshot);
          return true;
        }
        why = "serves no slot yet";
      }
    } else {
      why = pool->last_error();
    }
    failures += (failures.empty() ? "" : "; ") + address + ": " + why;
  }
  error = "redis cluster: no node gave the slot map: " + failures;
  return false;
}

std::optional<std::vector<RedisReply>> RedisClusterClient::fail(const Failure& failure) {
  std::lock_guard lock(mutex_);
  last_error_ = failure.error;
  if (!failure.outage) return std::nullopt;
  constexpr std::string_view kPrefix = "redis: ";
  const std::string why(std::string_view(failure.error).substr(0, kPrefix.size()) == kPrefix
                            ? std::string_view(failure.error).substr(kPrefix.size())
                            : std::string_view(failure.error));
  const bool ongoing = outage_since_.has_value();
  if (ongoing && why == outage_error_) return std::nullopt;
  if (!ongoing) outage_since_ = Clock::now();
  outage_error_ = why;
  // No node to name (the slot map could not be had): the seeds, as the pool names the
  // sentinels.
  const std::string& address = failure.address.empty() ? seed_list_ : failure.address;
  if (on_availability_) on_availability_(RedisAvailability{false, address, why, {}, ongoing});
  return std::nullopt;
}

void RedisClusterClient::succeeded() {
  std::lock_guard lock(mutex_);
  if (!outage_since_) return;
  const auto lasted =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *outage_since_);
  outage_since_.reset();
  outage_error_.clear();
  if (on_availability_) on_availability_(RedisAvailability{true, seed_list_, {}, lasted});
}

}  // namespace pmx
