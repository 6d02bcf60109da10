#include "redis_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
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

// The value of `field` in INFO-style text ("field:value" lines), "" when absent.
std::string field_of(const std::string& text, const std::string& field) {
  for (const std::string& line : output_lines(text)) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) return line.substr(field.size() + 1);
  }
  return "";
}

// The words of every CLUSTER NODES line: "<id> <ip:port@bus> <flags> <master> <ping> <pong>
// <epoch> <link> <slots...>".
std::vector<std::vector<std::string>> cluster_nodes(const std::string& output) {
  std::vector<std::vector<std::string>> nodes;
  for (const std::string& line : output_lines(output)) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string word; words >> word;) fields.push_back(word);
    if (fields.size() >= 8) nodes.push_back(fields);
  }
  return nodes;
}

// A node's view of the cluster that every node must share: each node's id, role, master and
// slots, sorted (ping times, link states and migration marks left out).
std::string topology(const std::string& nodes_output) {
  std::vector<std::string> lines;
  for (const auto& fields : cluster_nodes(nodes_output)) {
    std::string line =
        fields[0] + (contains(fields[2], "master") ? " master " : " slave ") + fields[3];
    for (std::size_t i = 8; i < fields.size(); ++i) {
      if (fields[i].front() != '[') line += " " + fields[i];
    }
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string view;
  for (const std::string& line : lines) view += line + "\n";
  return view;
}

// Sends `commands` to 127.0.0.1:`port` in one pipeline and returns the replies as text (status,
// integer and bulk replies as their value, errors as "-ERR ...", arrays joined by newlines);
// fewer replies than commands when the node cannot be reached. Creation and the health checks
// talk to the nodes directly rather than through redis-cli: a process per command costs
// 5-40 ms on a loaded machine, and wait_healthy() polls several per node.
std::vector<std::string> node_replies(int port,
                                      const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::string> replies;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return replies;
  // A node that hangs must not hang the test.
  const timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;

  std::string request;
  for (const auto& command : commands) {
    request += "*" + std::to_string(command.size()) + "\r\n";
    for (const std::string& arg : command) {
      request += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
    }
  }
  for (std::size_t sent = 0; ok && sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    ok = n > 0;
    if (ok) sent += static_cast<std::size_t>(n);
  }

  std::string buffer;
  std::size_t pos = 0;
  // Reads until `size` unread bytes are buffered.
  const auto fill = [&](std::size_t size) {
    while (ok && buffer.size() - pos < size) {
      char chunk[16384];
      const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      ok = n > 0;
      if (ok) buffer.append(chunk, static_cast<std::size_t>(n));
    }
    return ok;
  };
  const auto line = [&](std::string& out) {
    std::size_t end = 0;
    while ((end = buffer.find("\r\n", pos)) == std::string::npos) {
      if (!fill(buffer.size() - pos + 1)) return false;
    }
    out = buffer.substr(pos, end - pos);
    pos = end + 2;
    return true;
  };
  std::function<bool(std::string&)> reply = [&](std::string& out) {
    std::string head;
    if (!line(head) || head.empty()) return false;
    const long size = std::atol(head.c_str() + 1);
    switch (head[0]) {
      case '+':
      case ':':
        out = head.substr(1);
        return true;
      case '-':
        out = head;
        return true;
      case '$':
        out.clear();
        if (size < 0) return true;
        if (!fill(static_cast<std::size_t>(size) + 2)) return false;
        out = buffer.substr(pos, static_cast<std::size_t>(size));
        pos += static_cast<std::size_t>(size) + 2;
        return true;
      case '*':
        out.clear();
        for (long i = 0; i < size; ++i) {
          std::string element;
          if (!reply(element)) return false;
          out += (i == 0 ? "" : "\n") + element;
        }
        return true;
      default:
        return false;
    }
  };
  while (replies.size() < commands.size()) {
    std::string out;
    if (!reply(out)) break;
    replies.push_back(out);
  }
  close(fd);
  return replies;
}

std::string describe(const std::vector<std::vector<std::string>>& commands,
                     const std::vector<std::string>& replies) {
  std::string text;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    for (const std::string& arg : commands[i]) text += arg + " ";
    text += "-> " + (i < replies.size() ? replies[i] : std::string("(no reply)")) + "\n";
  }
  return text;
}

}  // namespace

RedisCluster::RedisCluster(Options options) : options_(options) {
  const int count = options_.masters * (1 + options_.replicas);
  nodes_.resize(static_cast<std::size_t>(count));
  // Every node starts at once, then each is waited for: starting them one by one would add
  // their start-up times.
  for (Node& node : nodes_) {
    node.dir = make_temp_dir("pmx-cluster");
    launch(node);
  }
  for (Node& node : nodes_) {
    // A free port may be taken again before the server binds it: new ports, up to three times.
    bool up = started(node);
    for (int attempt = 1; !up && attempt < 3; ++attempt) {
      launch(node);
      up = started(node);
    }
    if (!up) {
      throw std::runtime_error("redis-server (cluster node) did not start: " +
                               node.process->log_tail());
    }
  }
  // As with redis-cli --cluster create, the first `masters` nodes are the masters.
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    (static_cast<int>(i) < options_.masters ? masters_ : replicas_)
        .push_back(nodes_[i].client_port());
  }
  create();
  wait_healthy("the new cluster");
}

void RedisCluster::create() {
  // What redis-cli --cluster create does, without the seconds it sleeps between its steps.
  // The whole still takes a little over 2 s: a master says cluster_state:ok no sooner than 2 s
  // after it started (CLUSTER_WRITABLE_DELAY in redis), whatever the rest takes.
  const auto expect_ok = [&](const Node& node,
                             const std::vector<std::vector<std::string>>& commands) {
    const std::vector<std::string> replies = node_replies(node.port, commands);
    bool ok = replies.size() == commands.size();
    for (const std::string& reply : replies) ok = ok && reply == "OK";
    if (!ok) {
      throw std::runtime_error("creating the cluster, node " + std::to_string(node.port) + ":\n" +
                               describe(commands, replies) + logs());
    }
  };
  // The slots split evenly over the masters with redis-cli's rounding, and a distinct config
  // epoch per node, so no epoch collision has to be resolved once they meet. Before any MEET:
  // a node refuses SET-CONFIG-EPOCH once it knows another.
  const float per_master = 16384.0F / static_cast<float>(options_.masters);
  float cursor = 0.0F;
  long first = 0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    std::vector<std::vector<std::string>> commands{
        {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)}};
    if (static_cast<int>(i) < options_.masters) {
      long last = std::lround(cursor + per_master - 1);
      if (last > 16383 || static_cast<int>(i) == options_.masters - 1) last = 16383;
      commands.push_back({"CLUSTER", "ADDSLOTSRANGE", std::to_string(first), std::to_string(last)});
      first = last + 1;
      cursor += per_master;
    }
    expect_ok(nodes_[i], commands);
  }
  // Every node MEETs each later node, not only the first one all the others (as redis-cli
  // does): then each pair shakes hands directly, in about 100 ms, instead of waiting for gossip
  // to carry the news, which with the pings of a 2 s node timeout took about 2 s. The port is
  // the one the node announces (the TLS one with TLS), the bus port is given as it is not
  // port + 10000; with TLS the bus is TLS (tls-cluster) on that same port.
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    std::vector<std::vector<std::string>> commands;
    for (std::size_t j = i + 1; j < nodes_.size(); ++j) {
      commands.push_back({"CLUSTER", "MEET", "127.0.0.1", std::to_string(nodes_[j].client_port()),
                          std::to_string(nodes_[j].bus_port)});
    }
    if (!commands.empty()) expect_ok(nodes_[i], commands);
  }
  // CLUSTER REPLICATE needs the replica to know its master by id: every node knows every
  // other, past the handshake.
  const bool met = poll_until(
      [&] {
        for (const Node& node : nodes_) {
          const std::vector<std::string> replies = node_replies(node.port, {{"CLUSTER", "NODES"}});
          if (replies.empty()) return false;
          const auto known = cluster_nodes(replies.front());
          if (known.size() != nodes_.size()) return false;
          for (const auto& fields : known) {
            if (contains(fields[2], "handshake") || contains(fields[2], "noaddr")) return false;
          }
        }
        return true;
      },
      kClusterDeadline);
  if (!met) throw std::runtime_error("the cluster nodes did not meet: " + logs());
  // Replica k follows master k % masters: the masters in creation order, round after round, as
  // redis-cli assigns them.
  for (std::size_t k = 0; k < replicas_.size(); ++k) {
    const std::string master = id_of(masters_[k % masters_.size()]);
    expect_ok(node(replicas_[k]), {{"CLUSTER", "REPLICATE", master}});
  }
}

RedisCluster::~RedisCluster() {
  for (Node& node : nodes_) {
    if (node.process) node.process->kill_now();
    std::error_code ignored;
    std::filesystem::remove_all(node.dir, ignored);
  }
}

void RedisCluster::launch(Node& node) {
  {
    node.process.reset();
    node.port = free_port();
    node.bus_port = free_port();
    node.tls_port = options_.tls ? free_port() : 0;
    std::vector<std::string> argv{"redis-server", "--port", std::to_string(node.port), "--bind",
                                  "127.0.0.1", "--dir", node.dir, "--save", "", "--appendonly",
                                  "no", "--cluster-enabled", "yes", "--cluster-config-file",
                                  "nodes.conf", "--cluster-node-timeout",
                                  std::to_string(options_.node_timeout_ms),
                                  // The bus port is not port + 10000: that may be above 65535.
                                  "--cluster-port", std::to_string(node.bus_port),
                                  // A replica's first full sync starts at once, not after the
                                  // default 5 s wait for more replicas to share it.
                                  "--repl-diskless-sync-delay", "0"};
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
  }
}

bool RedisCluster::started(Node& node) {
  bool exited = false;
  const bool up = poll_until([&] {
    if (!node.process->running()) return exited = true;
    return port_open(node.port) && (node.tls_port == 0 || port_open(node.tls_port));
  });
  return up && !exited;
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
  const auto replies = node_replies(node(client_port).port, {{"CLUSTER", "MYID"}});
  return replies.empty() ? "" : replies.front();
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
  // One round trip per node, the cheap checks first; redis-cli only once they pass.
  std::string first_view;
  for (const Node& node : nodes_) {
    const std::vector<std::string> replies = node_replies(
        node.port, {{"CLUSTER", "INFO"}, {"CLUSTER", "NODES"}, {"INFO", "replication"}});
    if (replies.size() != 3) return false;
    const std::string& info = replies[0];
    if (!contains(info, "cluster_state:ok") || !contains(info, "cluster_slots_ok:16384") ||
        !contains(info, "cluster_known_nodes:" + std::to_string(nodes_.size()))) {
      return false;
    }
    const int port = node.client_port();
    if (std::find(masters_.begin(), masters_.end(), port) != masters_.end()) {
      if (field_of(replies[2], "connected_slaves") != std::to_string(options_.replicas)) {
        return false;
      }
    } else if (field_of(replies[2], "master_link_status") != "up") {
      return false;
    }
    // Every node names the same masters, replicas and slots: a client may ask any of them, and
    // a replica's role reaches the others only with its next ping.
    const std::string view = topology(replies[1]);
    if (first_view.empty()) {
      first_view = view;
    } else if (view != first_view) {
      return false;
    }
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

void RedisCluster::flush() {
  const std::vector<std::vector<std::string>> commands{
      {"FLUSHALL"}, {"WAIT", std::to_string(options_.replicas), "1000"}};
  for (const int port : masters_) {
    const std::vector<std::string> replies = node_replies(node(port).port, commands);
    // WAIT answers how many replicas acknowledged the FLUSHALL.
    if (replies.size() != 2 || replies[0] != "OK" ||
        std::atoi(replies[1].c_str()) < options_.replicas) {
      throw std::runtime_error("flush of the master on port " + std::to_string(port) + ":\n" +
                               describe(commands, replies) + logs());
    }
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
