#include "connection_threads.h"

#include <system_error>
#include <thread>

#include "pmx/log/log.h"

namespace pmx {

ConnectionThreads::ConnectionThreads(std::size_t max_connections)
    : max_(max_connections), count_(std::make_shared<Count>()) {}

void ConnectionThreads::enqueue(std::function<void()> serve_connection) {
  {
    std::unique_lock<std::mutex> lock(count_->mutex);
    count_->changed.wait(lock, [this] { return count_->running < max_; });
    ++count_->running;
  }
  const auto finished = [count = count_] {
    std::lock_guard<std::mutex> lock(count->mutex);
    --count->running;
    count->changed.notify_all();
  };
  try {
    std::thread([serve_connection, finished] {
      serve_connection();
      finished();
    }).detach();
  } catch (const std::system_error& e) {
    // No thread to be had (process limits): serve it here rather than drop it.
    log_warn("cannot start a connection thread; serving it on the accept thread",
             {{"err", quoted(std::to_string(e.code().value()))}});
    serve_connection();
    finished();
  }
}

void ConnectionThreads::shutdown() {
  std::unique_lock<std::mutex> lock(count_->mutex);
  count_->changed.wait(lock, [this] { return count_->running == 0; });
}

}  // namespace pmx
