#include "pmx/receiver/auth.h"

#include <gtest/gtest.h>

namespace pmx {
namespace {

TEST(Authenticator, OpenWhenNothingIsConfigured) {
  EXPECT_TRUE(Authenticator(AuthConfig{}).allows(""));
}

TEST(Authenticator, BearerTokenAsAlertmanagerSendsIt) {
  AuthConfig config;
  config.bearer_token = "s3cret-token";
  const Authenticator auth(config);
  EXPECT_TRUE(auth.allows("Bearer s3cret-token"));
  EXPECT_TRUE(auth.allows("bearer s3cret-token"));  // the scheme is case-insensitive
  EXPECT_FALSE(auth.allows(""));
  EXPECT_FALSE(auth.allows("Bearer s3cret-toke"));
  EXPECT_FALSE(auth.allows("Bearer s3cret-token2"));
  EXPECT_FALSE(auth.allows("s3cret-token"));
  EXPECT_FALSE(auth.allows("Basic czNjcmV0LXRva2Vu"));  // basic auth not configured
}

TEST(Authenticator, BasicAuth) {
  AuthConfig config;
  config.basic_user = "alertmanager";
  config.basic_password = "pw";
  const Authenticator auth(config);
  EXPECT_TRUE(auth.allows("Basic YWxlcnRtYW5hZ2VyOnB3"));  // base64("alertmanager:pw")
  EXPECT_FALSE(auth.allows("Basic YWxlcnRtYW5hZ2VyOnB4"));  // alertmanager:px
  EXPECT_FALSE(auth.allows("Basic !!!"));
  EXPECT_FALSE(auth.allows("Bearer pw"));
}

TEST(ConstantTimeEquals, ComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals("abcd", "abc"));
  EXPECT_FALSE(constant_time_equals("", "abc"));
}

}  // namespace
}  // namespace pmx
