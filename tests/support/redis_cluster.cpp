#include "redis_cluster.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "command.h"
#include "redis_server.h"

namespace pmx::testing {
namespace {

constexpr std::chrono::seconds kClusterDeadline{20};

std::vector<std::string> output_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The port of "127.0.0.1:30001@40001[,hostname]" in a CLUSTER NODES line.
int port_of_address(const std::string& address) {
  const std::size_t colon = address.rfind(':', address.find('@'));
  return std::atoi(address.c_str() + colon + 1);
}

}  // namespace

RedisCluster::RedisCluster(Options options) : options_(options) {
  const int count = options_.masters * (1 + options_.replicas);
  nodes_.resize(static_cast<std::size_t>(count));
  for (Node& node : nodes_) {
    node.dir = make_temp_dir("pmx-cluster");
    start(node);
  }
  std::vector<std::string> create{"redis-cli"};
  if (options_.tls) {
    create.insert(create.end(), {"--tls", "--cacert", options_.tls->ca()});
  }
  create.insert(create.end(), {"--cluster", "create"});
  for (const Node& node : nodes_)
    create.push_back("127.0.0.1:" + std::to_string(node.client_port()));
  create.insert(create.end(),
                {"--cluster-replicas", std::to_string(options_.replicas), "--cluster-yes"});
  const CommandResult created = run_command(create, "", kClusterDeadline);
  if (!created.succeeded() || !contains(created.output, "[OK] All 16384 slots covered")) {
    throw std::runtime_error("redis-cli --cluster create failed: " + created.output + logs());
  }
  // redis-cli makes the first `masters` nodes the masters.
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    (static_cast<int>(i) < options_.masters ? masters_ : replicas_)
        .push_back(nodes_[i].client_port());
  }
  wait_healthy("the new cluster");
}

RedisCluster::~RedisCluster() {
  for (Node& node : nodes_) {
    if (node.process) node.process->kill_now();
    std::error_code ignored;
    std::filesystem::remove_all(node.dir, ignored);
  }
}

void RedisCluster::start(Node& node) {
  // A free port may be taken again before the server binds it: new ports, up to three times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    node.port = free_port();
    node.bus_port = free_port();
    node.tls_port = options_.tls ? free_port() : 0;
    std::vector<std::string> argv{"redis-server", "--port", std::to_string(node.port), "--bind",
                                  "127.0.0.1", "--dir", node.dir, "--save", "", "--appendonly",
                                  "no", "--cluster-enabled", "yes", "--cluster-config-file",
                                  "nodes.conf", "--cluster-node-timeout",
                                  std::to_string(options_.node_timeout_ms),
                                  // The bus port is not port + 10000: that may be above 65535.
                                  "--cluster-port", std::to_string(node.bus_port)};
    if (options_.tls) {
      const auto tls =
          redis_tls_args(node.tls_port, options_.tls->server(), options_.tls->ca(), false);
      argv.insert(argv.end(), tls.begin(), tls.end());
      // The cluster bus asks the connecting node for a certificate whatever tls-auth-clients
      // says, and the server certificate is for servers only (extendedKeyUsage).
      const Certificate client = options_.tls->client();
      argv.insert(argv.end(),
                  {"--tls-cluster", "yes", "--tls-replication", "yes", "--tls-client-cert-file",
                   client.cert, "--tls-client-key-file", client.key});
    }
    node.process = std::make_unique<ChildProcess>(argv, node.dir + "/redis.log", node.dir);
    bool exited = false;
    const bool up = poll_until([&] {
      if (!node.process->running()) return exited = true;
      return port_open(node.port) && (node.tls_port == 0 || port_open(node.tls_port));
    });
    if (up && !exited) return;
  }
  throw std::runtime_error("redis-server (cluster node) did not start: " +
                           node.process->log_tail());
}

const RedisCluster::Node& RedisCluster::node(int client_port) const {
  for (const Node& node : nodes_) {
    if (node.port == client_port || node.tls_port == client_port) return node;
  }
  throw std::invalid_argument("no cluster node on port " + std::to_string(client_port));
}

std::string RedisCluster::cli(int port, const std::string& args) const {
  return redis_cli(node(port).port, args + " 2>&1");
}

std::string RedisCluster::info_field(int port, const std::string& section,
                                     const std::string& field) const {
  for (const std::string& line : output_lines(cli(port, "INFO " + section))) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) return line.substr(field.size() + 1);
  }
  return "";
}

std::string RedisCluster::id_of(int client_port) const {
  const auto lines = output_lines(cli(client_port, "CLUSTER MYID"));
  return lines.empty() ? "" : lines.front();
}

std::string RedisCluster::seeds() const {
  std::string seeds;
  for (const int port : masters_)
    seeds += (seeds.empty() ? "" : ",") + ("127.0.0.1:" + std::to_string(port));
  for (const int port : replicas_) seeds += ",127.0.0.1:" + std::to_string(port);
  return seeds;
}

std::vector<int> RedisCluster::master_ports() const { return masters_; }
std::vector<int> RedisCluster::replica_ports() const { return replicas_; }

int RedisCluster::node_for_slot(int slot) const { return owner_seen_by(masters_.front(), slot); }

int RedisCluster::owner_seen_by(int view, int slot) const {
  // CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slots...>"
  // with slots as "a-b" or "a", and migrations as "[slot->-id]" or "[slot-<-id]".
  for (const std::string& line : output_lines(cli(view, "CLUSTER NODES"))) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    if (fields.size() < 9 || !contains(fields[2], "master")) continue;
    for (std::size_t i = 8; i < fields.size(); ++i) {
      if (fields[i].front() == '[') continue;
      const std::size_t dash = fields[i].find('-');
      const int first = std::atoi(fields[i].c_str());
      const int last = dash == std::string::npos ? first : std::atoi(fields[i].c_str() + dash + 1);
      // With TLS the plain-text redis-cli is told the plain port.
      if (slot >= first && slot <= last) return node(port_of_address(fields[1])).client_port();
    }
  }
  return 0;
}

bool RedisCluster::healthy() const {
  for (const Node& node : nodes_) {
    const std::string info = redis_cli(node.port, "CLUSTER INFO");
    if (!contains(info, "cluster_state:ok") || !contains(info, "cluster_slots_ok:16384") ||
        !contains(info, "cluster_known_nodes:" + std::to_string(nodes_.size()))) {
      return false;
    }
  }
  for (const int port : masters_) {
    if (info_field(port, "replication", "connected_slaves") != std::to_string(options_.replicas)) {
      return false;
    }
  }
  for (const int port : replicas_) {
    if (info_field(port, "replication", "master_link_status") != "up") return false;
  }
  // Every node's view of the slots is the same (redis-cli compares their CLUSTER NODES).
  std::vector<std::string> check{"redis-cli"};
  if (options_.tls) check.insert(check.end(), {"--tls", "--cacert", options_.tls->ca()});
  check.insert(check.end(),
               {"--cluster", "check", "127.0.0.1:" + std::to_string(masters_.front())});
  const CommandResult checked = run_command(check, "", std::chrono::seconds(10));
  return contains(checked.output, "[OK] All nodes agree about slots configuration.") &&
         contains(checked.output, "[OK] All 16384 slots covered.") &&
         !contains(checked.output, "[WARNING]") && !contains(checked.output, "[ERR]");
}

void RedisCluster::wait_healthy(const std::string& what) const {
  if (!poll_until([&] { return healthy(); }, kClusterDeadline)) {
    throw std::runtime_error(what + ": the cluster did not become healthy: " + logs());
  }
}

void RedisCluster::begin_migration(int slot, int from, int to) {
  const std::string s = std::to_string(slot);
  const std::string importing = cli(to, "CLUSTER SETSLOT " + s + " IMPORTING " + id_of(from));
  const std::string migrating = cli(from, "CLUSTER SETSLOT " + s + " MIGRATING " + id_of(to));
  if (!contains(importing, "OK") || !contains(migrating, "OK")) {
    throw std::runtime_error("CLUSTER SETSLOT: " + importing + migrating);
  }
  migrations_.push_back(Migration{slot, from, to});
}

std::size_t RedisCluster::migrate_keys(int slot, std::size_t count) {
  const Migration* migration = nullptr;
  for (const Migration& m : migrations_) {
    if (m.slot == slot) migration = &m;
  }
  if (!migration) throw std::invalid_argument("no migration of slot " + std::to_string(slot));
  const auto keys =
      output_lines(cli(migration->from, "CLUSTER GETKEYSINSLOT " + std::to_string(slot) + " " +
                                            std::to_string(count)));
  if (keys.empty()) return 0;
  // MIGRATE host port "" 0 timeout KEYS k...: atomically per key, as reshard does.
  std::vector<std::string> argv{
      "redis-cli", "-p",        std::to_string(node(migration->from).port),
      "MIGRATE",   "127.0.0.1", std::to_string(migration->to),
      "",          "0",         "5000",
      "KEYS"};
  argv.insert(argv.end(), keys.begin(), keys.end());
  const CommandResult migrated = run_command(argv);
  if (!contains(migrated.output, "OK")) {
    throw std::runtime_error("MIGRATE of slot " + std::to_string(slot) + ": " + migrated.output);
  }
  return keys.size();
}

void RedisCluster::finish_migration(int slot) {
  while (migrate_keys(slot, 100) > 0) {
  }
  Migration migration{};
  for (auto it = migrations_.begin(); it != migrations_.end(); ++it) {
    if (it->slot == slot) {
      migration = *it;
      migrations_.erase(it);
      break;
    }
  }
  const std::string command =
      "CLUSTER SETSLOT " + std::to_string(slot) + " NODE " + id_of(migration.to);
  // The target first, so a client sent there by the source's MOVED is served.
  std::vector<int> order{migration.to, migration.from};
  for (const int port : masters_) {
    if (port != migration.to && port != migration.from) order.push_back(port);
  }
  for (const int port : order) {
    const std::string answer = cli(port, command);
    if (!contains(answer, "OK")) throw std::runtime_error(command + ": " + answer);
  }
  const bool agreed = poll_until(
      [&] {
        for (const int port : masters_) {
          if (owner_seen_by(port, slot) != migration.to) return false;
        }
        return true;
      },
      kClusterDeadline);
  if (!agreed) throw std::runtime_error("slot " + std::to_string(slot) + " did not move");
}

void RedisCluster::failover(std::size_t index) {
  const int old_master = masters_.at(index);
  const Node& master = node(old_master);
  int promoted = 0;
  for (const int port : replicas_) {
    const int of = std::atoi(info_field(port, "replication", "master_port").c_str());
    if (of == master.port || of == master.tls_port) promoted = port;
  }
  if (promoted == 0) throw std::runtime_error("no replica of " + std::to_string(old_master));
  const std::string answer = cli(promoted, "CLUSTER FAILOVER");
  if (!contains(answer, "OK")) throw std::runtime_error("CLUSTER FAILOVER: " + answer);
  const bool swapped = poll_until(
      [&] {
        return info_field(promoted, "replication", "role") == "master" &&
               info_field(old_master, "replication", "role") == "slave";
      },
      kClusterDeadline);
  if (!swapped) throw std::runtime_error("CLUSTER FAILOVER: roles did not swap: " + logs());
  masters_[index] = promoted;
  for (int& port : replicas_) {
    if (port == promoted) port = old_master;
  }
  wait_healthy("after the failover");
}

void RedisCluster::kill_node(int port) {
  for (Node& node : nodes_) {
    if (node.client_port() == port && node.process) node.process->kill_now();
  }
}

void RedisCluster::kill_all() {
  for (Node& node : nodes_) {
    if (node.process) node.process->kill_now();
  }
}

std::string RedisCluster::logs() const {
  std::string all;
  for (const Node& node : nodes_) {
    all += "\n--- node " + std::to_string(node.client_port()) + ":\n" +
           (node.process ? node.process->log_tail(1500) : std::string());
  }
  return all;
}

}  // namespace pmx::testing
