// parse_sentinel_addresses and RedisStore's Sentinel settings checked at construction.
#include <gtest/gtest.h>

#include <stdexcept>

#include "pmx/store/redis_store.h"

namespace pmx {
namespace {

TEST(SentinelAddresses, HostPortListWithDefaultPort) {
  std::string error;
  const auto parsed = parse_sentinel_addresses("10.0.0.1:26380, sentinel-b ,[::1]:26381,[::1]", &error);
  ASSERT_TRUE(parsed) << error;
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[0].host, "10.0.0.1");
  EXPECT_EQ((*parsed)[0].port, 26380);
  EXPECT_EQ((*parsed)[1].host, "sentinel-b");
  EXPECT_EQ((*parsed)[1].port, 26379);
  EXPECT_EQ((*parsed)[2].host, "::1");
  EXPECT_EQ((*parsed)[2].port, 26381);
  EXPECT_EQ((*parsed)[3].port, 26379);
}

TEST(SentinelAddresses, RefusesMalformedLists) {
  for (const char* list : {"", ",", "a:1,", "a:1,,b:2", "a:0", "a:99999", ":pw@a:1", "a:1/0",
                           "a:", "[::1"}) {
    std::string error;
    EXPECT_FALSE(parse_sentinel_addresses(list, &error)) << list;
    EXPECT_FALSE(error.empty()) << list;
  }
}

TEST(SentinelConfig, NeedsTheMasterNameAndValidAddresses) {
  RedisConfig config;
  config.url = "";
  config.sentinels = "127.0.0.1:26379";
  EXPECT_THROW(RedisStore{config}, std::invalid_argument) << "no master name";
  config.sentinel_master = "mymaster";
  EXPECT_NO_THROW(RedisStore{config}) << "the URL may be omitted with Sentinel";
  config.sentinels = "127.0.0.1:26379,";
  EXPECT_THROW(RedisStore{config}, std::invalid_argument);
}

TEST(SentinelConfig, UnreachableSentinelsMeanUnavailableNotAHang) {
  RedisConfig config;
  config.sentinels = "127.0.0.1:1";  // nothing listens on port 1
  config.sentinel_master = "mymaster";
  RedisStore store(config);
  EXPECT_FALSE(store.healthy());
  EXPECT_NE(store.last_error().find("no sentinel"), std::string::npos) << store.last_error();
}

}  // namespace
}  // namespace pmx
