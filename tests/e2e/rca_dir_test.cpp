// --rca.dir: RCAs kept as files (GitOps) are loaded read-only at start and again on SIGHUP;
// an invalid file is logged by name and skipped, a removed file takes its RCA with it, and the
// API refuses to change what a file owns.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "e2e.h"
#include "rca_api.h"

namespace pmx::e2e {
namespace {

using nlohmann::json;
using pmx::testing::action_item;
using pmx::testing::make_temp_dir;
using pmx::testing::poll_until;
using pmx::testing::RcaApi;
using pmx::testing::rca_document;

using Ids = std::vector<std::string>;

constexpr auto kReloadDeadline = std::chrono::seconds(10);

/// Writes `text` to dir/name via a temporary file and rename, as a ConfigMap update or a
/// `git pull` would replace it: the daemon never sees half a file.
void write_file(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string tmp = dir + "/.tmp-" + name;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << tmp;
  }
  ASSERT_EQ(std::rename(tmp.c_str(), (dir + "/" + name).c_str()), 0) << name;
}

json valid_file_rca(const std::string& title) {
  return rca_document("rca-file-valid", title,
                      {action_item("AI-1", "prevent"), action_item("AI-2", "mitigate", "done")},
                      {}, {"service=\"checkout\""});
}

TEST(RcaDir, FilesLoadReadOnlyAndReloadOnSighup) {
  const std::string dir = make_temp_dir("pmx-rca-dir");
  write_file(dir, "rca-file-valid.json", valid_file_rca("Loaded from a file").dump(2));
  json invalid = rca_document("rca-file-invalid", "Invalid file", {action_item("AI-1", "prevent")});
  invalid["action_items"][0]["priority"] = "P9";
  write_file(dir, "broken-priority.json", invalid.dump(2));
  write_file(dir, "README.txt", "not an RCA, not *.json: ignored\n");

  Daemon::Options options;
  options.flags = {"--rca.dir=" + dir};
  Daemon daemon(options);
  const RcaApi api(daemon);

  // At start: the valid file is listed read-only; the invalid one is absent, and logged by name.
  EXPECT_EQ(api.list_ids(), Ids{"rca-file-valid"}) << api.list().body << daemon.log_tail();
  const auto listed = api.listed("rca-file-valid");
  ASSERT_TRUE(listed) << daemon.log_tail();
  EXPECT_EQ(listed->value("read_only", false), true) << listed->dump(1);
  EXPECT_EQ((*listed)["rca"], valid_file_rca("Loaded from a file"));
  EXPECT_EQ(listed->value("action_items", -1), 2);
  EXPECT_EQ(listed->value("open_action_items", -1), 1);
  EXPECT_TRUE(IsStatus(api.get("rca-file-invalid"), 404));
  EXPECT_TRUE(poll_until([&daemon] {
    return daemon.process().log_tail(1 << 20).find("broken-priority.json") != std::string::npos;
  })) << "the log does not name the invalid file\n"
      << daemon.log_tail();
  const HttpResponse got = api.get("rca-file-valid");
  ASSERT_TRUE(IsOk(got));
  EXPECT_EQ(got.json().value("read_only", false), true) << got.body;

  // The API may not change what a file owns.
  const HttpResponse put = api.put("rca-file-valid", valid_file_rca("Changed through the API"));
  EXPECT_TRUE(IsStatus(put, 409));
  EXPECT_NO_THROW(put.json()) << "the 409 is JSON";
  const HttpResponse del = api.remove("rca-file-valid");
  EXPECT_TRUE(IsStatus(del, 409));
  EXPECT_NO_THROW(del.json()) << "the 409 is JSON";
  const HttpResponse after = api.get("rca-file-valid");
  ASSERT_TRUE(IsOk(after));
  EXPECT_EQ(after.json()["rca"].value("title", ""), "Loaded from a file") << after.body;
  EXPECT_EQ(after.json().value("version", -1), got.json().value("version", -2));

  // An RCA written through the API lives beside them, and survives every reload.
  ASSERT_TRUE(IsStatus(api.put("rca-api", rca_document("rca-api", "Written through the API")), 201));

  // A new file, a changed file, SIGHUP: both show.
  write_file(dir, "rca-file-new.json",
             rca_document("rca-file-new", "Added later", {action_item("AI-1", "detect")}).dump());
  write_file(dir, "rca-file-valid.json", valid_file_rca("Changed in its file").dump());
  ASSERT_EQ(::kill(daemon.process().pid(), SIGHUP), 0);
  ASSERT_TRUE(poll_until(
      [&] {
        const auto changed = api.listed("rca-file-valid");
        return api.listed("rca-file-new") && changed &&
               (*changed)["rca"].value("title", "") == "Changed in its file";
      },
      kReloadDeadline))
      << "the reload did not show: " << api.list().body << "\n"
      << daemon.log_tail();
  EXPECT_EQ(api.list_ids(), (Ids{"rca-api", "rca-file-new", "rca-file-valid"}));
  EXPECT_EQ(api.listed("rca-file-new")->value("read_only", false), true);
  EXPECT_EQ(api.listed("rca-api")->value("read_only", true), false);
  EXPECT_TRUE(IsStatus(api.get("rca-file-invalid"), 404));

  // A removed file, SIGHUP: its RCA goes; the others stay.
  ASSERT_EQ(::unlink((dir + "/rca-file-new.json").c_str()), 0);
  ASSERT_EQ(::kill(daemon.process().pid(), SIGHUP), 0);
  ASSERT_TRUE(poll_until([&] { return !api.listed("rca-file-new"); }, kReloadDeadline))
      << "the RCA of the removed file is still listed: " << api.list().body << "\n"
      << daemon.log_tail();
  EXPECT_TRUE(IsStatus(api.get("rca-file-new"), 404));
  EXPECT_EQ(api.list_ids(), (Ids{"rca-api", "rca-file-valid"}));
  const auto kept = api.listed("rca-file-valid");
  ASSERT_TRUE(kept);
  EXPECT_EQ((*kept)["rca"].value("title", ""), "Changed in its file");
  EXPECT_TRUE(daemon.process().running()) << "SIGHUP must not stop the daemon";
}

}  // namespace
}  // namespace pmx::e2e
