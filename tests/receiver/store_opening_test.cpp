// The daemon listens before its store is open (app/main.cpp): until then /-/ready and every
// call that needs the store answer 503, so probes wait and Alertmanager retries; once the
// store is open the same webhook is taken.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "in_process_api.h"
#include "pmx/store/memory_store.h"
#include "pmx/store/pending_store.h"
#include "webhooks.h"

namespace pmx {
namespace {

using nlohmann::json;

class StoreOpeningTest : public InProcessApi<PendingStore> {
 protected:
  void SetUp() override { start(HttpConfig{}); }

  httplib::Result post_webhook(const std::string& body) {
    return client_->Post("/api/v1/webhook", {{"Authorization", std::string("Bearer ") + kToken}},
                         body, "application/json");
  }
};

TEST_F(StoreOpeningTest, NotReadyAndWebhooks503UntilTheStoreIsOpen) {
  const std::string webhook = pmx::testing::read_fixture("01-firing-group-checkout.json");
  EXPECT_EQ(client_->Get("/-/healthy")->status, 200) << "the process is alive meanwhile";
  EXPECT_EQ(client_->Get("/-/ready")->status, 503);
  auto res = post_webhook(webhook);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503) << res->body;
  EXPECT_EQ(json::parse(res->body)["error"], "store unavailable") << res->body;
  EXPECT_EQ(client_->Get("/api/v1/incidents")->status, 503);

  store_.open(std::make_unique<MemoryStore>());
  // Open, but what must be there at start (--rca.dir) is still being loaded: not ready yet,
  // while calls already reach the store.
  EXPECT_EQ(client_->Get("/-/ready")->status, 503);
  EXPECT_EQ(client_->Get("/api/v1/incidents")->status, 200);
  store_.mark_ready();
  EXPECT_EQ(client_->Get("/-/ready")->status, 200);
  res = post_webhook(webhook);  // Alertmanager's retry
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["occurrences"], 2);
  EXPECT_EQ(json::parse(client_->Get("/api/v1/incidents")->body)["incidents"].size(), 1u);
}

}  // namespace
}  // namespace pmx
