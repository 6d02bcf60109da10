// Stateless daemons: everything lives in Redis, so a daemon killed without warning (OOM kill,
// node loss) is replaced by a new one that carries on with exact counts.
#include <gtest/gtest.h>

#include "e2e.h"
#include "redis_server.h"

namespace pmx::e2e {
namespace {

using pmx::testing::kAuthKey;
using pmx::testing::kCheckoutKey;
using pmx::testing::RedisServer;
using pmx::testing::replay_fixture_names;

TEST(Restart, KilledDaemonIsReplacedWithoutLosingOrDoublingCounts) {
  RedisServer redis;
  Daemon::Options options;
  options.redis_url = redis.url();
  const auto& names = replay_fixture_names();

  nlohmann::json before;
  {
    Daemon first(options);
    post_fixtures(first, {names[0], names[1]});
    before = first.get_json("/api/v1/sources");
    ASSERT_EQ(source_occurrences(first, kCheckoutKey), 2) << first.log_tail();
    ASSERT_EQ(source_occurrences(first, kAuthKey), 1);
    first.process().kill_now();  // SIGKILL: no chance to flush anything
  }

  Daemon second(options);
  EXPECT_EQ(source_occurrences(second, kCheckoutKey), 2) << second.log_tail();
  EXPECT_EQ(source_occurrences(second, kAuthKey), 1);
  EXPECT_EQ(second.get_json("/api/v1/sources"), before)
      << "a new daemon on the same Redis must show the same sources";
  EXPECT_EQ(second.metric("postmortem_incidents_open"), 2.0)
      << "state gauges are read from the store, not from the process";

  // The rest of the captured sequence: the re-sends are recognised as already counted.
  const auto answers =
      post_fixtures(second, std::vector<std::string>(names.begin() + 2, names.end()));
  ASSERT_EQ(answers.size(), 5u);
  expect_answer(answers[0], {2, 0, 2}, "03 after the restart");
  expect_answer(answers[1], {1, 0, 1}, "04 after the restart");
  expect_answer(answers[4], {1, 1, 0}, "07 after the restart");

  const auto checkout = second.source(kCheckoutKey);
  ASSERT_TRUE(checkout);
  EXPECT_EQ(checkout->value("occurrences", -1), 3);
  EXPECT_EQ(checkout->value("incident_count", -1), 1);
  EXPECT_EQ((*checkout)["incidents"][0].value("reopened", -1), 1);
  EXPECT_EQ((*checkout)["incidents"][0].value("state", ""), "open");
  EXPECT_EQ(source_occurrences(second, kAuthKey), 1);
  EXPECT_EQ(second.metric("postmortem_incidents_open"), 1.0);
}

}  // namespace
}  // namespace pmx::e2e

namespace pmx::e2e {
namespace {

TEST(Restart, RedisOutageAnswers503ThenRecovers) {
  pmx::testing::RedisServer redis(/*aof=*/true);  // the data survives its restart
  Daemon::Options options;
  options.redis_url = redis.url();
  Daemon daemon(options);
  const auto& names = pmx::testing::replay_fixture_names();
  post_fixtures(daemon, {names[0]});

  redis.kill();
  ASSERT_TRUE(pmx::testing::poll_until([&] { return daemon.get("/-/ready").status == 503; }))
      << "still ready with Redis down\n" << daemon.log_tail();
  EXPECT_TRUE(IsOk(daemon.get("/-/healthy"))) << "alive, just not ready";
  // 503 makes Alertmanager retry: the webhook must not be acknowledged while it is not stored.
  const HttpResponse during = daemon.post_webhook(pmx::testing::read_fixture(names[1]));
  EXPECT_TRUE(IsStatus(during, 503)) << daemon.log_tail();
  EXPECT_EQ(daemon.metric("postmortem_store_up"), 0.0);

  redis.restart();
  ASSERT_TRUE(pmx::testing::poll_until([&] { return daemon.get("/-/ready").status == 200; },
                                       std::chrono::seconds(15)))
      << "not ready again after Redis came back\n" << daemon.log_tail();
  // Alertmanager's retry of 02, and a re-send of 01.
  const auto answers = post_fixtures(daemon, {names[1], names[0]});
  expect_answer(answers[0], {1, 1, 0}, "02 retried after the outage");
  expect_answer(answers[1], {2, 0, 2}, "01 re-sent after the outage");
  EXPECT_EQ(source_occurrences(daemon, pmx::testing::kCheckoutKey), 2);
  EXPECT_EQ(source_occurrences(daemon, pmx::testing::kAuthKey), 1);
  EXPECT_EQ(daemon.metric("postmortem_store_up"), 1.0);
}

}  // namespace
}  // namespace pmx::e2e
