#include "redis_cluster.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace pmx {
namespace {

constexpr int kMaxRedirects = 5;
constexpr std::chrono::milliseconds kFirstRetryDelay{10};

// What a Batch entry is, besides a caller's command (its index in the call).
constexpr long kAsking = -1;
constexpr long kScriptLoad = -2;
constexpr long kFence = -3;

std::string_view cluster_reply_text(const redisReply* reply) {
  return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

// "host:port" split; the host unbracketed ("[::1]:7000" → "::1").
RedisEndpoint node_endpoint(RedisEndpoint endpoint, const std::string& address) {
  const std::size_t colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  endpoint.host = host;
  endpoint.port = colon == std::string::npos ? 6379 : std::atoi(address.c_str() + colon + 1);
  return endpoint;
}

std::string host_of(const std::string& address) { return address.substr(0, address.rfind(':')); }

}  // namespace

/// One caller's command on its way: where it goes next and how it got there.
struct RedisClusterClient::Job {
  std::size_t index = 0;  // in the call's commands and replies
  std::string node;       // "host:port"; "" to route by the map
  bool asking = false;    // ASK: send ASKING in front
  int redirects = 0;
};

/// What one node gets in one round.
struct RedisClusterClient::Batch {
  std::shared_ptr<RedisConnectionPool> pool;
  std::vector<RedisCommand> commands;
  std::vector<long> origin;  // per command: the job's position in `jobs`, or kAsking...
  RedisConnectionPool::Sent sent;
};

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
  std::vector<std::string> candidates;
  for (const RedisEndpoint& seed : seeds_) {
    candidates.push_back(
        (seed.host.find(':') != std::string::npos ? "[" + seed.host + "]" : seed.host) + ":" +
        std::to_string(seed.port));
  }
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
      if (auto map = parse_cluster_slots(replies->front().get(), host_of(address), why)) {
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

std::string RedisClusterClient::route(const ClusterSlotMap& map, const RedisCommand& command,
                                      const std::string& keyless_node) const {
  const auto key = cluster_key_index(command);
  if (!key) return keyless_node.empty() ? map.masters.front() : keyless_node;
  const std::string* master = map.master_of(cluster_hash_slot(command[*key]));
  // A slot no master serves (the cluster is being set up or lost a master): any node answers
  // CLUSTERDOWN or MOVED, and that is handled.
  return master ? *master : map.masters.front();
}

std::optional<std::vector<RedisReply>> RedisClusterClient::execute(
    std::vector<RedisCommand> commands, Mode mode, const RedisScript* script,
    const std::string& fence_key) {
  const Clock::time_point began = Clock::now();
  auto map = slot_map();
  if (!map) {
    std::string error;
    if (!refresh(error)) return fail({"", error, true});
    map = slot_map();
  }

  std::vector<RedisReply> replies(commands.size());
  std::vector<Job> pending;
  pending.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) pending.push_back(Job{i, "", false, 0});

  bool refreshed = false;     // MOVED refreshes the map once per call
  bool node_retried = false;  // an unreachable node: one retry after a refresh
  std::chrono::milliseconds delay = kFirstRetryDelay;
  std::set<std::string> load_script;  // nodes that answered NOSCRIPT, loaded next round
  std::set<std::string> loaded;
  while (!pending.empty()) {
    // Route what the map decides, in the caller's order per node.
    std::string first_node;
    for (Job& job : pending) {
      if (job.node.empty() && cluster_key_index(commands[job.index])) {
        job.node = route(*map, commands[job.index], "");
      }
      if (first_node.empty() && !job.node.empty()) first_node = job.node;
    }
    for (Job& job : pending) {
      if (job.node.empty()) job.node = route(*map, commands[job.index], first_node);
    }

    std::map<std::string, Batch> batches;
    for (std::size_t j = 0; j < pending.size(); ++j) {
      const Job& job = pending[j];
      Batch& batch = batches[job.node];
      if (batch.origin.empty() && mode == Mode::kScript && load_script.count(job.node)) {
        batch.commands.push_back({"SCRIPT", "LOAD", std::string(script->text)});
        batch.origin.push_back(kScriptLoad);
        load_script.erase(job.node);
        loaded.insert(job.node);
      }
      if (job.asking) {
        batch.commands.push_back({"ASKING"});
        batch.origin.push_back(kAsking);
      }
      batch.commands.push_back(commands[job.index]);
      batch.origin.push_back(static_cast<long>(j));
    }
    for (auto& [node, batch] : batches) {
      if (mode == Mode::kFence) {
        // In the slot of the node's first command (the first after an ASKING, if any), so a
        // node that serves it takes the fence.
        std::size_t first = 0;
        while (batch.origin[first] < 0) ++first;
        const Job& job = pending[static_cast<std::size_t>(batch.origin[first])];
        const auto key = cluster_key_index(commands[job.index]);
        std::uint16_t slot = key ? cluster_hash_slot(commands[job.index][*key]) : 0;
        if (!key) {
          for (std::size_t s = 0; s < kClusterSlots; ++s) {
            const std::string* master = map->master_of(static_cast<std::uint16_t>(s));
            if (master && *master == node) {
              slot = static_cast<std::uint16_t>(s);
              break;
            }
          }
        }
        if (job.asking) {
          batch.commands.push_back({"ASKING"});
          batch.origin.push_back(kAsking);
        }
        batch.commands.push_back({"SET", fence_key + "{" + cluster_slot_tag(slot) + "}", "1"});
        batch.origin.push_back(kFence);
      }
      batch.pool = pool_for(node);
    }

    // Every node's pipeline written, then every node's replies read: one round trip.
    for (auto& [node, batch] : batches) {
      batch.sent = batch.pool->send(batch.commands, mode != Mode::kPlain);
    }
    round_trips_.fetch_add(1, std::memory_order_relaxed);

    std::vector<Job> next;
    bool refresh_now = false;
    std::string retry_reason;  // TRYAGAIN or CLUSTERDOWN: wait, then send again
    bool cluster_down = false;
    std::optional<Failure> unreachable;
    std::vector<std::pair<Job, RedisConnectionPool::Failure>> lost;
    for (auto& [node, batch] : batches) {
      using PoolFailure = RedisConnectionPool::Failure;
      RedisConnectionPool::Received received = batch.pool->receive(std::move(batch.sent));
      if (received.failure == PoolFailure::kNotSent || received.failure == PoolFailure::kBroken) {
        unreachable = Failure{node, batch.pool->last_error(), true};
        for (const long origin : batch.origin) {
          if (origin >= 0) {
            lost.emplace_back(pending[static_cast<std::size_t>(origin)], received.failure);
          }
        }
        continue;
      }
      std::vector<RedisReply>& answers = *received.replies;
      if (received.failure == PoolFailure::kReplicas) {
        // Acceptable only when nothing ran there: every command was redirected.
        for (std::size_t k = 0; k < answers.size(); ++k) {
          if (batch.origin[k] >= 0 &&
              cluster_redirect(answers[k].get()).kind == ClusterRedirect::Kind::kNone) {
            return fail({node, batch.pool->last_error(), false});
          }
        }
      }
      bool fence_refused = false;
      std::vector<Job> answered;
      for (std::size_t k = 0; k < answers.size(); ++k) {
        const redisReply* answer = answers[k].get();
        const long origin = batch.origin[k];
        if (origin == kScriptLoad && answer->type == REDIS_REPLY_ERROR) {
          return fail(
              {node,
               "redis: SCRIPT LOAD on " + node + ": " + std::string(cluster_reply_text(answer)),
               false});
        }
        if (origin == kFence && answer->type == REDIS_REPLY_ERROR) fence_refused = true;
        if (origin < 0) continue;
        Job job = pending[static_cast<std::size_t>(origin)];
        ClusterRedirect redirect = cluster_redirect(answer);
        using Kind = ClusterRedirect::Kind;
        // NOSCRIPT is the caller's answer outside run_script, and after one SCRIPT LOAD, as
        // from the single-server pool.
        if (redirect.kind == Kind::kNoScript && (mode != Mode::kScript || loaded.count(node))) {
          redirect.kind = Kind::kNone;
        }
        switch (redirect.kind) {
          case Kind::kNone:
            replies[job.index] = std::move(answers[k]);
            answered.push_back(std::move(job));
            continue;
          case Kind::kMoved:
          case Kind::kAsk:
            if (++job.redirects > kMaxRedirects) {
              return fail({node,
                           "redis cluster: more than " + std::to_string(kMaxRedirects) +
                               " redirections for " + commands[job.index][0] + ", last " +
                               std::string(cluster_reply_text(answer)),
                           false});
            }
            // Redis may leave the host out (":7001"): the one that answered.
            job.node = !redirect.address.empty() && redirect.address.front() == ':'
                           ? host_of(node) + redirect.address
                           : redirect.address;
            job.asking = redirect.kind == Kind::kAsk;
            refresh_now = refresh_now || redirect.kind == Kind::kMoved;
            break;
          case Kind::kTryAgain:
          case Kind::kClusterDown:
            // Routed again by the map: the migration or the outage may end meanwhile.
            job.node.clear();
            job.asking = false;
            retry_reason = std::string(cluster_reply_text(answer));
            cluster_down = cluster_down || redirect.kind == Kind::kClusterDown;
            break;
          case Kind::kNoScript:
            load_script.insert(node);
            break;
        }
        next.push_back(std::move(job));
      }
      if (fence_refused) {
        // The slot moved between the reads and the fence: read again where it is now, with a
        // fence there. Reads are safe to repeat.
        for (Job& job : answered) {
          replies[job.index].reset();
          if (++job.redirects > kMaxRedirects) {
            return fail(
                {node, "redis cluster: the fence on " + node + " kept being refused", false});
          }
          job.node.clear();
          job.asking = false;
          next.push_back(std::move(job));
        }
        refresh_now = true;
      }
    }

    if (!lost.empty()) {
      // A node we could not reach: the cluster may have promoted one of its replicas. One
      // retry with a fresh map, for what was never sent or now goes elsewhere; a pipeline that
      // broke on a node the map still names may have run, and is the caller's to repeat.
      if (node_retried) return fail(*unreachable);
      node_retried = true;
      std::string error;
      if (!refresh(error))
        return fail({unreachable->address, unreachable->error + "; " + error, true});
      map = slot_map();
      refreshed = true;
      for (auto& [job, failure] : lost) {
        const std::string before = job.node;
        job.node = route(*map, commands[job.index], "");
        job.asking = false;
        if (failure == RedisConnectionPool::Failure::kBroken && job.node == before) {
          return fail(*unreachable);
        }
        next.push_back(std::move(job));
      }
    }
    if ((refresh_now && !refreshed) || cluster_down) {
      std::string ignored;  // MOVED named the node already; CLUSTERDOWN waits below
      if (refresh(ignored)) map = slot_map();
      refreshed = true;
    }
    if (!retry_reason.empty()) {
      if (Clock::now() + delay - began > pool_config_.io_timeout) {
        return fail({"",
                     "redis cluster: still " + retry_reason + " after " +
                         std::to_string(pool_config_.io_timeout.count()) + "ms",
                     cluster_down});
      }
      std::this_thread::sleep_for(delay);  // a back-off, not a synchronisation
      delay *= 2;
    }
    // The caller's order again, so commands on one key keep theirs.
    std::sort(next.begin(), next.end(),
              [](const Job& a, const Job& b) { return a.index < b.index; });
    pending = std::move(next);
  }
  succeeded();
  return replies;
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
  if (on_availability_)
    on_availability_(RedisAvailability{false, failure.address, why, {}, ongoing});
  return std::nullopt;
}

void RedisClusterClient::succeeded() {
  std::lock_guard lock(mutex_);
  if (!outage_since_) return;
  const auto lasted =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *outage_since_);
  outage_since_.reset();
  outage_error_.clear();
  if (on_availability_) on_availability_(RedisAvailability{true, "cluster", {}, lasted});
}

}  // namespace pmx
