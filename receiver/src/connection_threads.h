#pragma once
/// A thread for each open connection, started when it is accepted, up to a maximum
/// (--web.max-connections); at the maximum, accepting waits until one closes (like Go's
/// netutil.LimitListener, which Prometheus uses for the same flag).
///
/// cpp-httplib's ThreadPool has a fixed number of workers, each held by an open connection for
/// as long as the connection lives, idle keep-alive included: 16 slow or idle clients took every
/// worker and the health probes with them. Here a waiting connection costs a sleeping thread, so
/// probes and Alertmanager get through while many connections wait.
#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

namespace pmx {

class ConnectionThreads final : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(std::size_t max_connections);
  /// Runs `serve_connection` on a thread of its own once fewer than the maximum run.
  void enqueue(std::function<void()> serve_connection) override;
  /// Waits for every connection thread to finish (the server stopped accepting).
  void shutdown() override;

 private:
  /// Shared with the threads, which outlive neither it nor their count.
  struct Count {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t running = 0;
  };
  std::size_t max_;
  std::shared_ptr<Count> count_;
};

}  // namespace pmx
