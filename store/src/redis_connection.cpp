#include "redis_connection.h"

#include <sys/time.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "redis_tls.h"

namespace pmx {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

std::string_view reply_text(const redisReply* reply) {
  return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

// Error replies after which this server cannot take our writes or reads for now (a failover or
// a restart in progress): reconnecting is the way out, possibly to another address behind the
// same name.
bool server_unavailable(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ERROR) return false;
  const std::string_view text = reply_text(reply);
  for (const std::string_view prefix : {"READONLY", "LOADING", "MASTERDOWN"}) {
    if (text.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<RedisConnection> RedisConnection::open(const std::string& host, int port,
                                                       const RedisTlsConfig* tls,
                                                       std::chrono::milliseconds timeout,
                                                       std::uint64_t generation,
                                                       std::string& error) {
  std::unique_ptr<RedisConnection> connection(
      new RedisConnection(generation, host + ":" + std::to_string(port)));
  if (tls != nullptr) {
    connection->tls_ = RedisTlsChannel::connect(host, port, *tls, timeout, error);
    if (!connection->tls_) return nullptr;
    return connection;
  }
  connection->context_ = redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout));
  if (connection->context_ == nullptr) {
    error = "cannot allocate a connection";
    return nullptr;
  }
  if (connection->context_->err != 0) {
    error = connection->context_->errstr;
    return nullptr;
  }
  if (!connection->set_timeout(timeout)) {
    error = "cannot set the socket timeout";
    return nullptr;
  }
  redisEnableKeepAlive(connection->context_);  // notice a half-open connection to a vanished host
  return connection;
}

RedisConnection::RedisConnection(std::uint64_t generation, std::string address)
    : generation_(generation), address_(std::move(address)) {}

RedisConnection::~RedisConnection() {
  if (context_ != nullptr) redisFree(context_);
}

std::string RedisConnection::error() const {
  return tls_ ? tls_->error() : std::string(context_->errstr);
}

std::optional<std::vector<RedisReply>> RedisConnection::exchange(
    const std::vector<RedisCommand>& commands) {
  if (!send(commands)) return std::nullopt;
  return receive(commands.size());
}

bool RedisConnection::send(const std::vector<RedisCommand>& commands) {
  if (tls_) return tls_->send(commands);
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  for (const auto& command : commands) {
    argv.clear();
    argvlen.clear();
    for (const auto& arg : command) {
      argv.push_back(arg.data());
      argvlen.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               argvlen.data()) != REDIS_OK) {
      return false;
    }
  }
  // Flushed now (blocking, bounded by the socket timeout), not by the first redisGetReply:
  // the caller may write to other servers before it reads from this one.
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) return false;
  }
  return true;
}

std::optional<std::vector<RedisReply>> RedisConnection::receive(std::size_t count) {
  if (tls_) return tls_->receive(count);
  std::vector<RedisReply> replies;
  replies.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return std::nullopt;
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

bool RedisConnection::set_timeout(std::chrono::milliseconds timeout) {
  if (tls_) return tls_->set_timeout(timeout);
  return redisSetTimeout(context_, to_timeval(timeout)) == REDIS_OK;
}

RedisConnectionPool::RedisConnectionPool(RedisEndpoint endpoint,
                                         std::vector<RedisEndpoint> sentinels,
                                         const RedisConfig& config,
                                         std::vector<RedisScript> scripts)
    : endpoint_(std::move(endpoint)),
      sentinels_(std::move(sentinels)),
      config_(config),
      scripts_(std::move(scripts)),
      backoff_(config.backoff_initial) {}

std::optional<std::vector<RedisReply>> RedisConnectionPool::run(
    const std::vector<RedisCommand>& commands) {
  Sent sent = send(commands, false);
  if (sent.connection) round_trips_.fetch_add(1, std::memory_order_relaxed);
  return receive(std::move(sent)).replies;
}

RedisConnectionPool::Sent RedisConnectionPool::send(std::vector<RedisCommand> commands, bool wait) {
  Sent sent;
  sent.waiting = wait && config_.wait_replicas > 0;
  if (sent.waiting) {
    commands.push_back({"WAIT", std::to_string(config_.wait_replicas),
                        std::to_string(config_.wait_timeout.count())});
  }
  sent.commands = commands.size();
  sent.connection = acquire();
  if (sent.connection) sent.write_failed = !sent.connection->send(commands);
  return sent;
}

RedisConnectionPool::Received RedisConnectionPool::receive(Sent sent) {
  Received received;
  if (!sent.connection) {
    received.failure = Failure::kNotSent;
    return received;
  }
  RedisConnection& connection = *sent.connection;
  auto replies = sent.write_failed ? std::nullopt : connection.receive(sent.commands);
  if (!replies) {
    connection_failed(connection.address(), connection.error());
    received.failure = Failure::kBroken;
    return received;
  }
  for (const auto& reply : *replies) {
    if (server_unavailable(reply.get())) {
      connection_failed(connection.address(), std::string(reply_text(reply.get())));
      received.failure = Failure::kBroken;
      return received;
    }
  }
  give_back(std::move(sent.connection));
  if (sent.waiting) {
    const redisReply* wait = replies->back().get();
    if (wait->type != REDIS_REPLY_INTEGER || wait->integer < config_.wait_replicas) {
      // The master is fine (its connection is kept), but the write is not on enough replicas
      // to survive a failover: not stored, as far as the caller may say.
      note_error(wait->type == REDIS_REPLY_INTEGER
                     ? "redis: WAIT: " + std::to_string(wait->integer) + " of " +
                           std::to_string(config_.wait_replicas) + " replicas acknowledged in " +
                           std::to_string(config_.wait_timeout.count()) + "ms"
                     : "redis: WAIT: " + std::string(reply_text(wait)));
      received.failure = Failure::kReplicas;
    }
    replies->pop_back();
  }
  received.replies = std::move(replies);
  return received;
}

std::optional<std::vector<RedisReply>> RedisConnectionPool::run_waiting(
    std::vector<RedisCommand> commands) {
  Sent sent = send(std::move(commands), true);
  if (sent.connection) round_trips_.fetch_add(1, std::memory_order_relaxed);
  Received received = receive(std::move(sent));
  if (received.failure != Failure::kNone) return std::nullopt;
  return std::move(received.replies);
}

std::optional<std::vector<RedisReply>> RedisConnectionPool::run_replicated_read(
    std::vector<RedisCommand> commands, const std::string& fence_key) {
  if (config_.wait_replicas <= 0) return run(commands);
  commands.push_back({"SET", fence_key, "1"});
  auto replies = run_waiting(std::move(commands));
  if (!replies) return std::nullopt;
  replies->pop_back();
  return replies;
}

std::optional<std::vector<RedisReply>> RedisConnectionPool::run_script(
    std::vector<RedisCommand> commands, const RedisScript& script) {
  auto replies = run_waiting(commands);
  if (!replies) return std::nullopt;
  std::vector<RedisCommand> retry{{"SCRIPT", "LOAD", std::string(script.text)}};
  std::vector<std::size_t> resent;
  for (std::size_t i = 0; i < replies->size(); ++i) {
    const redisReply* reply = (*replies)[i].get();
    if (reply->type == REDIS_REPLY_ERROR && reply_text(reply).substr(0, 8) == "NOSCRIPT") {
      retry.push_back(std::move(commands[i]));
      resent.push_back(i);
    }
  }
  if (resent.empty()) return replies;
  auto again = run_waiting(std::move(retry));
  if (!again || (*again)[0]->type == REDIS_REPLY_ERROR) return std::nullopt;
  for (std::size_t k = 0; k < resent.size(); ++k) (*replies)[resent[k]] = std::move((*again)[k + 1]);
  return replies;
}

std::string RedisConnectionPool::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

std::unique_ptr<RedisConnection> RedisConnectionPool::acquire() {
  std::uint64_t generation = 0;
  bool probe = false;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<RedisConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    if (failing_) {
      // Fail fast: during the backoff, and while another thread is already finding out
      // whether Redis is back.
      if (probing_ || Clock::now() < retry_at_) return nullptr;
      probing_ = true;
      probe = true;
    }
    generation = generation_;
  }

  std::string error;
  std::string address;
  std::unique_ptr<RedisConnection> connection = connect(generation, error, address);

  std::lock_guard lock(mutex_);
  if (probe) probing_ = false;
  if (connection) {
    failing_ = false;
    backoff_ = config_.backoff_initial;
  } else {
    failing_ = true;
    retry_at_ = Clock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, config_.backoff_max);
    last_error_ = error;
    outage_started(address, error);
  }
  return connection;
}

std::optional<RedisEndpoint> RedisConnectionPool::resolve_master(std::string& error) {
  const std::size_t first = preferred_sentinel_.load(std::memory_order_relaxed);
  std::string failures;
  for (std::size_t k = 0; k < sentinels_.size(); ++k) {
    const std::size_t index = (first + k) % sentinels_.size();
    const RedisEndpoint& sentinel = sentinels_[index];
    std::string why;
    if (auto master = ask_sentinel(sentinel, why)) {
      preferred_sentinel_.store(index, std::memory_order_relaxed);
      return master;
    }
    failures += (failures.empty() ? "" : "; ") + sentinel.host + ":" +
                std::to_string(sentinel.port) + ": " + why;
  }
  error = "redis: no sentinel gave the master's address: " + failures;
  return std::nullopt;
}

std::optional<RedisEndpoint> RedisConnectionPool::ask_sentinel(const RedisEndpoint& sentinel,
                                                               std::string& why) {
  const auto connection =
      RedisConnection::open(sentinel.host, sentinel.port, tls(), config_.connect_timeout, 0, why);
  if (!connection) return std::nullopt;
  auto replies =
      connection->exchange({{"SENTINEL", "get-master-addr-by-name", config_.sentinel_master}});
  if (!replies) {
    why = connection->error();
    return std::nullopt;
  }
  round_trips_.fetch_add(1, std::memory_order_relaxed);
  const redisReply* reply = replies->front().get();
  if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
      reply->element[0]->type == REDIS_REPLY_STRING &&
      reply->element[1]->type == REDIS_REPLY_STRING) {
    RedisEndpoint master = endpoint_;
    master.host = std::string(reply_text(reply->element[0]));
    const std::string port(reply_text(reply->element[1]));
    master.port = std::atoi(port.c_str());
    if (!master.host.empty() && master.port > 0 && master.port <= 65535) return master;
    why = "bad address " + master.host + ":" + port;
  } else if (reply->type == REDIS_REPLY_NIL) {
    why = "does not know master \"" + config_.sentinel_master + "\"";
  } else {
    why = reply->type == REDIS_REPLY_ERROR ? std::string(reply_text(reply)) : "unexpected answer";
  }
  return std::nullopt;
}

std::unique_ptr<RedisConnection> RedisConnectionPool::connect(std::uint64_t generation,
                                                              std::string& error,
                                                              std::string& address) {
  RedisEndpoint target = endpoint_;
  if (!sentinels_.empty()) {
    address.clear();
    for (const RedisEndpoint& sentinel : sentinels_) {
      address += (address.empty() ? "" : ",") + sentinel.host + ":" + std::to_string(sentinel.port);
    }
    auto master = resolve_master(error);
    if (!master) return nullptr;
    target = std::move(*master);
  }
  address = target.host + ":" + std::to_string(target.port);
  const std::string& where = address;
  // The set-up round trip is bounded by the connect timeout, later ones by the I/O timeout.
  auto connection = RedisConnection::open(target.host, target.port, tls(), config_.connect_timeout,
                                          generation, error);
  if (!connection) {
    error = "redis: connect to " + where + ": " + error;
    return nullptr;
  }

  std::vector<RedisCommand> setup;
  if (!endpoint_.password.empty()) {
    setup.push_back(endpoint_.user.empty()
                        ? RedisCommand{"AUTH", endpoint_.password}
                        : RedisCommand{"AUTH", endpoint_.user, endpoint_.password});
  }
  if (endpoint_.db != 0) setup.push_back({"SELECT", std::to_string(endpoint_.db)});
  // A sentinel's answer may be stale for a moment around a failover: only a server that says
  // it is the master may take our writes.
  if (!sentinels_.empty()) setup.push_back({"ROLE"});
  for (const RedisScript& script : scripts_) {
    setup.push_back({"SCRIPT", "LOAD", std::string(script.text)});
  }
  auto replies = connection->exchange(setup);
  round_trips_.fetch_add(1, std::memory_order_relaxed);
  if (!replies) {
    error = "redis: set-up on " + where + ": " + connection->error();
    return nullptr;
  }
  for (const auto& reply : *replies) {
    if (reply->type == REDIS_REPLY_ERROR) {
      // Never echo the command: it may be the AUTH with the password.
      error = "redis: set-up on " + where + ": " + std::string(reply_text(reply.get()));
      return nullptr;
    }
  }
  const std::size_t first_script = replies->size() - scripts_.size();
  if (!sentinels_.empty()) {
    const redisReply* role = (*replies)[first_script - 1].get();
    const std::string_view name = role->type == REDIS_REPLY_ARRAY && role->elements > 0
                                      ? reply_text(role->element[0])
                                      : std::string_view();
    if (name != "master") {
      error = "redis: " + where + " is not the master (ROLE: " + std::string(name) +
              "): a failover in progress";
      return nullptr;
    }
  }
  for (std::size_t i = 0; i < scripts_.size(); ++i) {
    if (reply_text((*replies)[first_script + i].get()) != scripts_[i].sha1) {
      error = "redis: SCRIPT LOAD answered an unexpected SHA-1";
      return nullptr;
    }
  }
  // WAIT blocks up to its own timeout before it answers: the read must outlast it.
  const auto io_timeout =
      config_.io_timeout + (config_.wait_replicas > 0 ? config_.wait_timeout
                                                       : std::chrono::milliseconds(0));
  if (!connection->set_timeout(io_timeout)) {
    error = "redis: cannot set the socket timeout";
    return nullptr;
  }
  return connection;
}

void RedisConnectionPool::give_back(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard lock(mutex_);
  // Stale (connected before a failure): closed here. Its pipeline was answered, but perhaps
  // just before the failure, so it says nothing about an outage.
  if (connection->generation() != generation_) return;
  // Only a pipeline that succeeded gives its connection back: Redis serves us again.
  outage_ended(connection->address());
  if (idle_.size() < config_.max_idle_connections) idle_.push_back(std::move(connection));
  // Otherwise it is closed here: one too many.
}

void RedisConnectionPool::note_error(const std::string& error) {
  std::lock_guard lock(mutex_);
  last_error_ = error;
}

void RedisConnectionPool::connection_failed(const std::string& address, const std::string& error) {
  std::vector<std::unique_ptr<RedisConnection>> dropped;
  std::lock_guard lock(mutex_);
  ++generation_;
  dropped.swap(idle_);
  // Let the next operation probe at once (not after the backoff: this may have been one
  // lost connection to a healthy server); the others fail fast until it has.
  if (!failing_) {
    failing_ = true;
    retry_at_ = Clock::now();
  }
  last_error_ = "redis: " + error;
  outage_started(address, error);
}

void RedisConnectionPool::outage_started(const std::string& address, const std::string& error) {
  // The pool's messages start with "redis: ", which the listener knows.
  constexpr std::string_view kPrefix = "redis: ";
  const std::string why(std::string_view(error).substr(0, kPrefix.size()) == kPrefix
                            ? std::string_view(error).substr(kPrefix.size())
                            : std::string_view(error));
  // Told when it starts, and again only when the reason changes: the first failure is often a
  // dropped connection, and what keeps Redis out (an expired certificate, a refused connect)
  // comes with the reconnects.
  const bool ongoing = outage_since_.has_value();
  if (ongoing && why == outage_error_) return;
  if (!ongoing) outage_since_ = Clock::now();
  outage_error_ = why;
  if (config_.on_availability) {
    config_.on_availability(RedisAvailability{false, address, why, {}, ongoing});
  }
}

void RedisConnectionPool::outage_ended(const std::string& address) {
  if (!outage_since_) return;  // the common case: no outage, nothing to tell
  const auto lasted =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *outage_since_);
  outage_since_.reset();
  outage_error_.clear();
  if (config_.on_availability)
    config_.on_availability(RedisAvailability{true, address, {}, lasted});
}

}  // namespace pmx
