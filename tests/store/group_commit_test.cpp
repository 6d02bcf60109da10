// GroupCommit (store/src/group_commit.h): callers that arrive while a group is being written
// wait and go into the next group together, each gets its own result, and a write that leaves
// a request without one answers it with an error instead of leaving it waiting.
#include "group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "process.h"  // poll_until

namespace pmx {
namespace {

std::vector<SourceCommit> commits_of(std::int64_t marker) {
  SourceCommit commit;
  commit.expected_version = marker;  // lets the fake writer tell the requests apart
  return {commit};
}

TEST(GroupCommit, WhileOneGroupIsWrittenTheOthersGoTogetherIntoTheNext) {
  constexpr int kLate = 7;
  std::promise<void> release_first;
  std::shared_future<void> first_released = release_first.get_future().share();
  std::atomic<int> waiting_in_first{0};
  std::vector<std::size_t> group_sizes;  // written by the leaders, one at a time
  GroupCommit group_commit([&](const std::vector<CommitRequest*>& group) {
    group_sizes.push_back(group.size());
    if (group_sizes.size() == 1) {
      ++waiting_in_first;
      first_released.wait();
    }
    for (auto* request : group) {
      request->result = std::vector<bool>{request->commits->front().expected_version % 2 == 0};
    }
  });

  const auto first_commits = commits_of(0);
  auto first = std::async(std::launch::async, [&] { return group_commit.submit(first_commits); });
  ASSERT_TRUE(testing::poll_until([&] { return waiting_in_first == 1; }));
  std::vector<std::vector<SourceCommit>> late_commits;
  for (int i = 1; i <= kLate; ++i) late_commits.push_back(commits_of(i));
  std::vector<std::future<Result<std::vector<bool>>>> late;
  for (const auto& commits : late_commits) {
    late.push_back(std::async(std::launch::async, [&] { return group_commit.submit(commits); }));
  }
  ASSERT_TRUE(testing::poll_until([&] { return group_commit.waiting() == kLate; }));
  for (auto& future : late) {
    EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
        << "a caller was answered while the first group was still being written";
  }
  release_first.set_value();

  ASSERT_TRUE(first.get().ok());
  for (int i = 0; i < kLate; ++i) {
    const auto result = late[i].get();
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->front(), (i + 1) % 2 == 0) << "caller " << i + 1 << " got another's answer";
  }
  ASSERT_EQ(group_sizes.size(), 2u) << "the late callers were not written as one group";
  EXPECT_EQ(group_sizes[0], 1u);
  EXPECT_EQ(group_sizes[1], static_cast<std::size_t>(kLate));
}

TEST(GroupCommit, ARequestTheWriterLeftUnansweredGetsAnError) {
  GroupCommit group_commit([](const std::vector<CommitRequest*>&) {});
  const auto commits = commits_of(1);
  const auto result = group_commit.submit(commits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace pmx
