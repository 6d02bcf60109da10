#include "redis_connection.h"

#include <sys/time.h>

#include <algorithm>
#include <string_view>

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

std::optional<std::vector<RedisReply>> RedisConnection::exchange(
    const std::vector<RedisCommand>& commands) {
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
      return std::nullopt;
    }
  }
  // The first redisGetReply flushes the whole output buffer, then replies are read in order.
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return std::nullopt;
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

RedisConnectionPool::RedisConnectionPool(RedisEndpoint endpoint, const RedisConfig& config,
                                         std::vector<RedisScript> scripts)
    : endpoint_(std::move(endpoint)),
      config_(config),
      scripts_(std::move(scripts)),
      backoff_(config.backoff_initial) {}

std::optional<std::vector<RedisReply>> RedisConnectionPool::run(
    const std::vector<RedisCommand>& commands) {
  std::unique_ptr<RedisConnection> connection = acquire();
  if (!connection) return std::nullopt;
  auto replies = connection->exchange(commands);
  round_trips_.fetch_add(1, std::memory_order_relaxed);
  if (!replies) {
    connection_failed("redis: " + connection->error());
    return std::nullopt;
  }
  for (const auto& reply : *replies) {
    if (server_unavailable(reply.get())) {
      connection_failed("redis: " + std::string(reply_text(reply.get())));
      return std::nullopt;
    }
  }
  give_back(std::move(connection));
  return replies;
}

std::optional<std::vector<RedisReply>> RedisConnectionPool::run_script(
    std::vector<RedisCommand> commands, const RedisScript& script) {
  auto replies = run(commands);
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
  auto again = run(retry);
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
  std::unique_ptr<RedisConnection> connection = connect(generation, error);

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
  }
  return connection;
}

std::unique_ptr<RedisConnection> RedisConnectionPool::connect(std::uint64_t generation,
                                                              std::string& error) {
  redisContext* context = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                                  to_timeval(config_.connect_timeout));
  if (context == nullptr) {
    error = "redis: cannot allocate a connection";
    return nullptr;
  }
  auto connection = std::make_unique<RedisConnection>(context, generation);
  const std::string where = endpoint_.host + ":" + std::to_string(endpoint_.port);
  if (context->err != 0) {
    error = "redis: connect to " + where + ": " + connection->error();
    return nullptr;
  }
  // The set-up round trip is bounded by the connect timeout, later ones by the I/O timeout.
  if (redisSetTimeout(context, to_timeval(config_.connect_timeout)) != REDIS_OK) {
    error = "redis: cannot set the socket timeout";
    return nullptr;
  }
  redisEnableKeepAlive(context);  // notice a half-open connection to a vanished host

  std::vector<RedisCommand> setup;
  if (!endpoint_.password.empty()) {
    setup.push_back(endpoint_.user.empty()
                        ? RedisCommand{"AUTH", endpoint_.password}
                        : RedisCommand{"AUTH", endpoint_.user, endpoint_.password});
  }
  if (endpoint_.db != 0) setup.push_back({"SELECT", std::to_string(endpoint_.db)});
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
  for (std::size_t i = 0; i < scripts_.size(); ++i) {
    if (reply_text((*replies)[first_script + i].get()) != scripts_[i].sha1) {
      error = "redis: SCRIPT LOAD answered an unexpected SHA-1";
      return nullptr;
    }
  }
  if (redisSetTimeout(context, to_timeval(config_.io_timeout)) != REDIS_OK) {
    error = "redis: cannot set the socket timeout";
    return nullptr;
  }
  return connection;
}

void RedisConnectionPool::give_back(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->generation() == generation_ && idle_.size() < config_.max_idle_connections) {
    idle_.push_back(std::move(connection));
  }
  // Otherwise it is closed here: stale (connected before a failure) or one too many.
}

void RedisConnectionPool::connection_failed(const std::string& error) {
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
  last_error_ = error;
}

}  // namespace pmx
