#pragma once
// Group commit for SqliteStore: webhooks that arrive while a transaction is being written wait,
// and the next transaction takes all of them, so one fsync (synchronous=FULL) acknowledges every
// webhook in flight instead of one each. The first caller to find no transaction under way
// becomes the leader: it writes the whole group and wakes the others with their results.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "pmx/store/store.h"

namespace pmx {

/// One caller's commits, and its answer once the group that took them is written.
struct CommitRequest {
  const std::vector<SourceCommit>* commits = nullptr;
  std::optional<Result<std::vector<bool>>> result;  ///< set by the leader, outside the lock
  /// Set by the leader under the lock once the whole group is written: only then may the
  /// caller read `result` and return (its request lives on its stack, and the leader still
  /// reads the group's requests after writing them).
  bool done = false;
};

class GroupCommit {
 public:
  using Request = CommitRequest;
  /// Writes a group in one transaction and sets every request's result; must not throw.
  using WriteGroup = std::function<void(const std::vector<Request*>& group)>;

  explicit GroupCommit(WriteGroup write) : write_(std::move(write)) {}

  /// Queues `commits` and returns their result once a group holding them is written: by this
  /// thread, as leader, or by another.
  Result<std::vector<bool>> submit(const std::vector<SourceCommit>& commits);

  /// Requests queued for the next group (for tests and diagnostics).
  std::size_t waiting();

 private:
  WriteGroup write_;
  std::mutex mutex_;
  std::condition_variable written_;
  std::vector<Request*> waiting_;  // guarded by mutex_
  bool writing_ = false;           // a leader is writing a group; guarded by mutex_
};

}  // namespace pmx
