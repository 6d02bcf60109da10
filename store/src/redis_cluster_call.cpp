// RedisClusterClient::execute: one call in rounds. Each round sends every pending command to
// its node (all nodes written, then all read: one round trip), keeps the answers and collects
// what must go again: redirected commands, and those of a node that could not be reached.
#include <algorithm>
#include <set>
#include <string_view>
#include <thread>

#include "redis_cluster.h"

namespace pmx {
namespace {

constexpr int kMaxRedirects = 5;
constexpr std::chrono::milliseconds kFirstRetryDelay{10};

// What a Batch entry is, besides a caller's command (then its position in Call::pending).
constexpr long kAsking = -1;
constexpr long kScriptLoad = -2;
constexpr long kFence = -3;

// The lowest slot `map` gives `node`, if any.
std::optional<std::uint16_t> first_slot_of(const ClusterSlotMap& map, const std::string& node) {
  for (std::uint16_t slot = 0; slot < kClusterSlots; ++slot) {
    const std::string* master = map.master_of(slot);
    if (master && *master == node) return slot;
  }
  return std::nullopt;
}

std::string_view answer_text(const redisReply* reply) {
  return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

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
  std::vector<long> origin;  // per command: a position in Call::pending, or kAsking...
  RedisConnectionPool::Sent sent;
};

/// One call's state across its rounds.
struct RedisClusterClient::Call {
  std::vector<RedisCommand> commands;
  Mode mode = Mode::kPlain;
  const RedisScript* script = nullptr;
  std::string fence_key;
  Clock::time_point began = Clock::now();
  std::vector<RedisReply> replies;    // the callers', by index
  std::vector<Job> pending;           // still without an answer, in the caller's order
  std::set<std::string> load_script;  // nodes that answered NOSCRIPT: SCRIPT LOAD next round
  std::set<std::string> loaded;       // nodes sent a SCRIPT LOAD in this call
  bool refreshed = false;             // MOVED refreshes the map once per call
  bool node_retried = false;          // an unreachable node: one retry after a refresh
  std::chrono::milliseconds delay = kFirstRetryDelay;  // before the next TRYAGAIN retry
};

/// What one round's answers ask for.
struct RedisClusterClient::Round {
  std::vector<Job> next;  // to send again
  bool refresh = false;   // MOVED, or a fence refused: the map is stale
  bool cluster_down = false;
  std::string retry_reason;  // TRYAGAIN or CLUSTERDOWN: wait, then send again
  std::optional<Failure> unreachable;
  std::vector<std::pair<Job, RedisConnectionPool::Failure>> lost;  // on unreachable nodes
  std::optional<Failure> failure;  // the call fails (the first reason found)
};

std::optional<std::vector<RedisReply>> RedisClusterClient::execute(
    std::vector<RedisCommand> commands, Mode mode, const RedisScript* script,
    const std::string& fence_key) {
  auto map = slot_map();
  if (!map) {
    std::string error;
    if (!refresh(error)) return fail({"", error, true});
    map = slot_map();
  }
  Call call;
  call.commands = std::move(commands);
  call.mode = mode;
  call.script = script;
  call.fence_key = fence_key;
  call.replies.resize(call.commands.size());
  for (std::size_t i = 0; i < call.commands.size(); ++i)
    call.pending.push_back(Job{i, "", false, 0});

  while (!call.pending.empty()) {
    std::map<std::string, Batch> batches = make_batches(call, *map);
    // Every node's pipeline written, then every node's answers read: one round trip.
    for (auto& [node, batch] : batches) {
      batch.sent = batch.pool->send(batch.commands, mode != Mode::kPlain);
    }
    round_trips_.fetch_add(1, std::memory_order_relaxed);
    Round round;
    for (auto& [node, batch] : batches) {
      take_answers(call, node, batch, batch.pool->receive(std::move(batch.sent)), round);
    }
    if (round.failure) return fail(*round.failure);
    if (auto failure = prepare_next_round(call, round, map)) return fail(*failure);
    // The caller's order again, so commands on one key keep theirs.
    std::sort(round.next.begin(), round.next.end(),
              [](const Job& a, const Job& b) { return a.index < b.index; });
    call.pending = std::move(round.next);
  }
  succeeded();
  return std::move(call.replies);
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

std::map<std::string, RedisClusterClient::Batch> RedisClusterClient::make_batches(
    Call& call, const ClusterSlotMap& map) {
  // Commands with a key first: those without one go with the first of them.
  std::string first_node;
  for (Job& job : call.pending) {
    if (job.node.empty() && cluster_key_index(call.commands[job.index])) {
      job.node = route(map, call.commands[job.index], "");
    }
    if (first_node.empty() && !job.node.empty()) first_node = job.node;
  }
  std::map<std::string, Batch> batches;
  for (std::size_t j = 0; j < call.pending.size(); ++j) {
    Job& job = call.pending[j];
    if (job.node.empty()) job.node = route(map, call.commands[job.index], first_node);
    Batch& batch = batches[job.node];
    if (batch.origin.empty() && call.load_script.erase(job.node) > 0) {
      batch.commands.push_back({"SCRIPT", "LOAD", std::string(call.script->text)});
      batch.origin.push_back(kScriptLoad);
      call.loaded.insert(job.node);
    }
    if (job.asking) {
      batch.commands.push_back({"ASKING"});
      batch.origin.push_back(kAsking);
    }
    batch.commands.push_back(call.commands[job.index]);
    batch.origin.push_back(static_cast<long>(j));
  }
  for (auto& [node, batch] : batches) {
    batch.pool = pool_for(node);
    if (call.mode != Mode::kFence) continue;
    // The fence goes in a slot the map gives the node, not in the slot of a command: that slot
    // may be migrating, and a fence written with ASKING on the importing node while the source
    // still holds its copy makes the next MIGRATE of it fail (BUSYKEY). Any slot of the node
    // will do: WAIT covers everything the node replicated before the fence. Only a node the
    // map gives no slot (one reached by ASK) gets it in the slot of its first command.
    const auto owned = first_slot_of(map, node);
    const long first = *std::find_if(batch.origin.begin(), batch.origin.end(),
                                     [](long origin) { return origin >= 0; });
    const Job& job = call.pending[static_cast<std::size_t>(first)];
    const RedisCommand& command = call.commands[job.index];
    std::uint16_t slot = owned.value_or(0);
    if (!owned) {
      if (const auto key = cluster_key_index(command)) slot = cluster_hash_slot(command[*key]);
    }
    if (!owned && job.asking) {
      batch.commands.push_back({"ASKING"});
      batch.origin.push_back(kAsking);
    }
    batch.commands.push_back({"SET", call.fence_key + "{" + cluster_slot_tag(slot) + "}", "1"});
    batch.origin.push_back(kFence);
  }
  return batches;
}

void RedisClusterClient::take_answers(Call& call, const std::string& node, Batch& batch,
                                      RedisConnectionPool::Received received, Round& round) {
  using PoolFailure = RedisConnectionPool::Failure;
  if (received.failure == PoolFailure::kNotSent || received.failure == PoolFailure::kBroken) {
    round.unreachable = Failure{node, batch.pool->last_error(), true};
    for (const long origin : batch.origin) {
      if (origin >= 0) {
        round.lost.emplace_back(call.pending[static_cast<std::size_t>(origin)], received.failure);
      }
    }
    return;
  }
  std::vector<RedisReply>& answers = *received.replies;
  using Kind = ClusterRedirect::Kind;
  if (received.failure == PoolFailure::kReplicas) {
    // Too few replicas acknowledged: acceptable only when nothing ran (all redirected).
    for (std::size_t k = 0; k < answers.size(); ++k) {
      if (batch.origin[k] >= 0 && cluster_redirect(answers[k].get()).kind == Kind::kNone) {
        if (!round.failure) round.failure = Failure{node, batch.pool->last_error(), false};
        return;
      }
    }
  }
  bool fence_refused = false;
  std::vector<Job> answered;
  for (std::size_t k = 0; k < answers.size(); ++k) {
    const redisReply* answer = answers[k].get();
    const long origin = batch.origin[k];
    if (origin == kScriptLoad && answer->type == REDIS_REPLY_ERROR && !round.failure) {
      round.failure = Failure{
          node, "redis: SCRIPT LOAD on " + node + ": " + std::string(answer_text(answer)), false};
    }
    if (origin == kFence && answer->type == REDIS_REPLY_ERROR) fence_refused = true;
    if (origin < 0) continue;
    Job job = call.pending[static_cast<std::size_t>(origin)];
    ClusterRedirect redirect = cluster_redirect(answer);
    // NOSCRIPT is the caller's answer outside run_script, and after one SCRIPT LOAD, as from
    // the single-server pool.
    if (redirect.kind == Kind::kNoScript &&
        (call.mode != Mode::kScript || call.loaded.count(node) > 0)) {
      redirect.kind = Kind::kNone;
    }
    switch (redirect.kind) {
      case Kind::kNone:
        call.replies[job.index] = std::move(answers[k]);
        answered.push_back(std::move(job));
        continue;
      case Kind::kMoved:
      case Kind::kAsk:
        if (++job.redirects > kMaxRedirects && !round.failure) {
          round.failure = Failure{node,
                                  "redis cluster: more than " + std::to_string(kMaxRedirects) +
                                      " redirections for " + call.commands[job.index][0] +
                                      ", last " + std::string(answer_text(answer)),
                                  false};
        }
        // Redis may leave the host out (":7001"): the one that answered.
        job.node = !redirect.address.empty() && redirect.address.front() == ':'
                       ? cluster_address_host(node) + redirect.address
                       : redirect.address;
        job.asking = redirect.kind == Kind::kAsk;
        round.refresh = round.refresh || redirect.kind == Kind::kMoved;
        break;
      case Kind::kTryAgain:
      case Kind::kClusterDown:
        // Routed by the map again: the migration or the outage may end meanwhile.
        job.node.clear();
        job.asking = false;
        round.retry_reason = std::string(answer_text(answer));
        round.cluster_down = round.cluster_down || redirect.kind == Kind::kClusterDown;
        break;
      case Kind::kNoScript:
        call.load_script.insert(node);
        break;
    }
    round.next.push_back(std::move(job));
  }
  if (!fence_refused) return;
  // The slot moved between the reads and the fence: read again where it is now, with a fence
  // there. Reads are safe to repeat.
  for (Job& job : answered) {
    call.replies[job.index].reset();
    if (++job.redirects > kMaxRedirects && !round.failure) {
      round.failure =
          Failure{node, "redis cluster: the fence on " + node + " kept being refused", false};
    }
    job.node.clear();
    job.asking = false;
    round.next.push_back(std::move(job));
  }
  round.refresh = true;
}

std::optional<RedisClusterClient::Failure> RedisClusterClient::prepare_next_round(
    Call& call, Round& round, std::shared_ptr<const ClusterSlotMap>& map) {
  if (!round.lost.empty()) {
    // A node we could not reach: the cluster may have promoted one of its replicas. One retry
    // with a fresh map, for what was never sent or now goes elsewhere; a pipeline that broke on
    // a node the map still names may have run, and is the caller's to repeat.
    if (call.node_retried) return round.unreachable;
    call.node_retried = true;
    std::string error;
    if (!refresh(error)) {
      return Failure{round.unreachable->address, round.unreachable->error + "; " + error, true};
    }
    map = slot_map();
    call.refreshed = true;
    for (auto& [job, failure] : round.lost) {
      const std::string before = job.node;
      job.node = route(*map, call.commands[job.index], "");
      job.asking = false;
      if (failure == RedisConnectionPool::Failure::kBroken && job.node == before) {
        return round.unreachable;
      }
      round.next.push_back(std::move(job));
    }
  }
  if ((round.refresh && !call.refreshed) || round.cluster_down) {
    std::string ignored;  // MOVED named the node already; CLUSTERDOWN waits below
    if (refresh(ignored)) map = slot_map();
    call.refreshed = true;
  }
  if (!round.retry_reason.empty()) {
    if (Clock::now() + call.delay - call.began > pool_config_.io_timeout) {
      return Failure{"",
                     "redis cluster: still " + round.retry_reason + " after " +
                         std::to_string(pool_config_.io_timeout.count()) + "ms",
                     round.cluster_down};
    }
    std::this_thread::sleep_for(call.delay);  // a back-off, not a synchronisation
    call.delay *= 2;
  }
  return std::nullopt;
}

}  // namespace pmx
