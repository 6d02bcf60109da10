// --rca.dir: RCAs kept as files (GitOps) are loaded read-only at start and again on SIGHUP;
// an invalid file is logged by name and skipped, a removed file takes its RCA with it, and the
// API refuses to change what a file owns.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
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

/// The daemon's whole log so far.
std::string whole_log(Daemon& daemon) { return daemon.process().log_tail(1 << 22); }

/// True once the log holds a line naming `file` that says it was skipped.
bool logged_skip(Daemon& daemon, const std::string& file) {
  return poll_until([&] {
    const std::string log = whole_log(daemon);
    for (std::size_t at = log.find(file); at != std::string::npos; at = log.find(file, at + 1)) {
      const auto begin = log.rfind('\n', at);
      const auto end = log.find('\n', at);
      const std::string line = log.substr(begin == std::string::npos ? 0 : begin,
                                          end == std::string::npos ? end : end - begin);
      if (line.find("skipped") != std::string::npos) return true;
    }
    return false;
  });
}

// Only regular files inside the folder count: symlinks out of it (to /etc/passwd, say), loops,
// dangling links, FIFOs and files over --web.max-request-bytes are logged by name and skipped,
// without a word of their content; start-up and SIGHUP go on with the good files.
TEST(RcaDir, OnlyRegularFilesInsideTheDirectoryLoad) {
  namespace fs = std::filesystem;
  constexpr std::size_t kMaxBytes = 16384;
  const std::string dir = make_temp_dir("pmx-rca-dir");
  const std::string outside = make_temp_dir("pmx-rca-outside");
  write_file(outside, "passwd", "OUTSIDE-SECRET-TOKEN:x:0:0:root:/root:/bin/bash\n");
  write_file(outside, "rca-outside.json", rca_document("rca-outside", "Outside the folder").dump());
  write_file(dir, "rca-file-valid.json", valid_file_rca("Loaded from a file").dump());
  write_file(dir, "not-json.json", "INSIDE-SECRET-TOKEN:x:0:0\n");
  // A ConfigMap volume: the files are symlinks through ..data into a dot-directory: inside.
  fs::create_directory(dir + "/..2026_11_30");
  write_file(dir + "/..2026_11_30", "rca-configmap.json",
             rca_document("rca-configmap", "From a ConfigMap").dump());
  fs::create_directory_symlink("..2026_11_30", dir + "/..data");
  fs::create_symlink("..data/rca-configmap.json", dir + "/rca-configmap.json");
  // Out of the folder, in a loop, dangling, not a file, too big.
  fs::create_symlink(outside + "/passwd", dir + "/passwd.json");
  fs::create_symlink(outside + "/rca-outside.json", dir + "/escape.json");
  fs::create_symlink("loop-b.json", dir + "/loop-a.json");
  fs::create_symlink("loop-a.json", dir + "/loop-b.json");
  fs::create_symlink("nowhere.json", dir + "/dangling.json");
  ASSERT_EQ(::mkfifo((dir + "/fifo.json").c_str(), 0600), 0);
  fs::create_directory(dir + "/directory.json");
  json big = rca_document("rca-big", "Too big");
  big["x-padding"] = std::string(2 * kMaxBytes, 'p');
  write_file(dir, "big.json", big.dump());
  // Nested far deeper than the limit (under the size cap): refused while read, no crash.
  std::string deep = rca_document("rca-deep", "Too deep").dump();
  deep.pop_back();
  write_file(dir, "deep.json",
             deep + R"(,"x-deep":)" + std::string(6000, '[') + std::string(6000, ']') + "}");
  // Unreadable: skipped when we are not root (root reads it all the same).
  write_file(dir, "unreadable.json", rca_document("rca-unreadable", "Unreadable").dump());
  ASSERT_EQ(::chmod((dir + "/unreadable.json").c_str(), 0), 0);
  const bool root = ::geteuid() == 0;

  Daemon::Options options;
  options.flags = {"--rca.dir=" + dir, "--web.max-request-bytes=" + std::to_string(kMaxBytes)};
  Daemon daemon(options);
  const RcaApi api(daemon);

  const Ids good = root ? Ids{"rca-configmap", "rca-file-valid", "rca-unreadable"}
                        : Ids{"rca-configmap", "rca-file-valid"};
  EXPECT_EQ(api.list_ids(), good) << api.list().body << daemon.log_tail();
  for (const char* file :
       {"passwd.json", "escape.json", "loop-a.json", "loop-b.json", "dangling.json", "fifo.json",
        "directory.json", "big.json", "not-json.json", "deep.json"}) {
    EXPECT_TRUE(logged_skip(daemon, file)) << file << " is not logged as skipped\n"
                                           << whole_log(daemon);
  }
  if (!root) {
    EXPECT_TRUE(logged_skip(daemon, "unreadable.json")) << whole_log(daemon);
  }

  // SIGHUP reloads through the same entries: the daemon stays up and picks up a new file.
  write_file(dir, "rca-file-new.json", rca_document("rca-file-new", "Added later").dump());
  ASSERT_EQ(::kill(daemon.process().pid(), SIGHUP), 0);
  ASSERT_TRUE(poll_until([&] { return api.listed("rca-file-new").has_value(); }, kReloadDeadline))
      << api.list().body << "\n"
      << whole_log(daemon);
  EXPECT_TRUE(daemon.process().running()) << "SIGHUP must not stop the daemon";
  EXPECT_TRUE(IsOk(daemon.get("/-/healthy")));
  EXPECT_TRUE(IsStatus(api.get("rca-outside"), 404));
  EXPECT_TRUE(IsStatus(api.get("rca-big"), 404));
  EXPECT_TRUE(IsStatus(api.get("rca-deep"), 404));

  const std::string log = whole_log(daemon);
  EXPECT_EQ(log.find("OUTSIDE-SECRET-TOKEN"), std::string::npos) << log;
  EXPECT_EQ(log.find("INSIDE-SECRET-TOKEN"), std::string::npos) << log;
  EXPECT_EQ(log.find("ppppppppp"), std::string::npos) << log;
  fs::permissions(dir + "/unreadable.json", fs::perms::owner_all);
}

}  // namespace
}  // namespace pmx::e2e
