// parse_redis_url: `redis[s]://[[user]:password@]host[:port][/db]`.
#include <gtest/gtest.h>

#include "pmx/store/redis_store.h"

namespace pmx {
namespace {

RedisEndpoint parsed(const std::string& url) {
  std::string error;
  const auto endpoint = parse_redis_url(url, &error);
  EXPECT_TRUE(endpoint.has_value()) << url << ": " << error;
  return endpoint.value_or(RedisEndpoint{});
}

TEST(RedisUrl, HostAndPort) {
  const RedisEndpoint e = parsed("redis://127.0.0.1:6380");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.user, "");
  EXPECT_EQ(e.password, "");
  EXPECT_EQ(e.db, 0);
  EXPECT_EQ(parsed("redis://redis.example").port, 6379);
  EXPECT_EQ(parsed("redis://redis.example:7000/").db, 0);
}

TEST(RedisUrl, PasswordUserAndDatabase) {
  RedisEndpoint e = parsed("redis://:secret@redis:6379/2");
  EXPECT_EQ(e.user, "");
  EXPECT_EQ(e.password, "secret");
  EXPECT_EQ(e.host, "redis");
  EXPECT_EQ(e.db, 2);

  e = parsed("redis://alice:wonderland@10.0.0.7:7000/15");
  EXPECT_EQ(e.user, "alice");
  EXPECT_EQ(e.password, "wonderland");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.db, 15);
}

TEST(RedisUrl, PasswordsMayBePercentEncodedOrContainAnAt) {
  EXPECT_EQ(parsed("redis://:p%40ss%3Aword%2F1@redis:6379").password, "p@ss:word/1");
  EXPECT_EQ(parsed("redis://:p@ss@redis:6379").password, "p@ss");  // the last '@' ends it
  EXPECT_EQ(parsed("redis://:a:b@redis:6379").password, "a:b");    // the first ':' splits
}

TEST(RedisUrl, BracketedIpv6) {
  const RedisEndpoint e = parsed("redis://[::1]:6380/1");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 1);
  EXPECT_EQ(parsed("redis://[::1]").port, 6379);
}

TEST(RedisUrl, RedissMeansTls) {
  const RedisEndpoint e = parsed("rediss://:secret@redis.example:6380/2");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.host, "redis.example");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.password, "secret");
  EXPECT_EQ(e.db, 2);
  EXPECT_EQ(parsed("rediss://redis.example").port, 6379) << "the same default port";
  EXPECT_FALSE(parsed("redis://redis.example").tls);
}

// With Sentinel the sentinels name the host: the URL gives only TLS, credentials and db.
TEST(RedisUrl, WithoutAHostWhenNoneIsRequired) {
  std::string error;
  auto e = parse_redis_url("rediss://:secret@/3", &error, false);
  ASSERT_TRUE(e.has_value()) << error;
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->host, "");
  EXPECT_EQ(e->password, "secret");
  EXPECT_EQ(e->db, 3);
  EXPECT_TRUE(parse_redis_url("rediss://", &error, false).has_value()) << error;
  EXPECT_FALSE(parse_redis_url("rediss://", &error).has_value());
  EXPECT_EQ(error, "missing host");
  EXPECT_FALSE(parse_redis_url("rediss://:6379", &error, false).has_value()) << "a port, no host";
}

TEST(RedisUrl, RefusesWhatItCannotHonour) {
  for (const std::string url : {"",
                                "127.0.0.1:6379",
                                "http://redis:6379",
                                "redisss://redis:6379",
                                "rediss://",
                                "redis://",
                                "redis://:6379",
                                "redis://redis:",
                                "redis://redis:0",
                                "redis://redis:65536",
                                "redis://redis:63a9",
                                "redis://redis:6379/db",
                                "redis://redis:6379/-1",
                                "redis://user@redis",
                                "redis://:@redis",
                                "redis://redis?db=1",
                                "redis://:%zz@redis",
                                "redis://:%4@redis",
                                "redis://[::1",
                                "redis://[::1]x",
                                "redis://re dis",
                                "redis://a:b:c:6379"}) {
    std::string error;
    EXPECT_FALSE(parse_redis_url(url, &error).has_value()) << url;
    EXPECT_FALSE(error.empty()) << url;
  }
}

}  // namespace
}  // namespace pmx
