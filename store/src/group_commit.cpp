#include "group_commit.h"

namespace pmx {

Result<std::vector<bool>> GroupCommit::submit(const std::vector<SourceCommit>& commits) {
  Request mine;
  mine.commits = &commits;
  std::unique_lock lock(mutex_);
  waiting_.push_back(&mine);
  while (!mine.done) {
    if (writing_) {
      written_.wait(lock);
      continue;
    }
    // Leader: everything waiting (this request included) goes into one transaction.
    writing_ = true;
    std::vector<Request*> group;
    group.swap(waiting_);
    lock.unlock();
    write_(group);
    for (Request* request : group) {
      if (!request->result) request->result = Error(ErrorCode::kUnavailable, "commit not written");
    }
    lock.lock();
    for (Request* request : group) request->done = true;
    writing_ = false;
    written_.notify_all();
  }
  return std::move(*mine.result);
}

std::size_t GroupCommit::waiting() {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

}  // namespace pmx
