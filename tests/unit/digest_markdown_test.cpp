// The digest as Markdown and JSON, on the worked history of digest_history.h with hostile texts
// (an RCA's title, root cause and lessons, an owner, a source, a related RCA's title and an
// action-item warning): every one shows as text. A golden file shows the whole digest; set
// PMX_UPDATE_GOLDEN=1 to rewrite it after a deliberate change (and review the diff).
#include <gtest/gtest.h>

#include <sstream>

#include "digest_history.h"
#include "golden.h"
#include "pmx/core/digest.h"

namespace pmx {
namespace {

using namespace digest_history;

const std::string kScript = "<script>alert(1)</script>";
const std::string kLink = "[click](javascript:alert(1))";
const std::string kAll = kScript + " " + kLink + "\n# Injected heading\n| a | b | `code` " +
                         "![img](http://x)\n- item\n> quote\n1. first &amp; *bold*";

Digest hostile_digest() {
  Texts texts;
  texts.title_b = kAll;
  texts.root_cause_b = kAll;
  texts.lessons_b = {kAll, "#not a heading", "+ 2. nested"};
  texts.owner_d1 = kLink + " | x";
  texts.source_e = "alertname=\"" + kAll + "\"";
  texts.related_title = kAll;
  Digest digest =
      build_digest({kFrom, kTo}, kNow, rcas(texts), incidents(texts), PostmortemPolicy());
  // What the action-item quality checks (issue 17, point 5) will put here.
  digest.postmortems.at(1).warnings = {"B1: " + kAll};
  return digest;
}

TEST(DigestMarkdown, MatchesTheGoldenFile) {
  expect_golden("digest-hostile.md", digest_markdown(hostile_digest()));
}

TEST(DigestMarkdown, NoValueBecomesHtmlALinkOrAHeading) {
  const std::string md = digest_markdown(hostile_digest());
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("]("), std::string::npos) << "no link nor image at all";
  EXPECT_EQ(md.find("`code`"), std::string::npos);
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      EXPECT_TRUE(line.rfind("# Post-mortem digest: ", 0) == 0 || line.rfind("## ", 0) == 0 ||
                  line.rfind("### ", 0) == 0)
          << line;
    }
    EXPECT_NE(line[0], '>') << line;
    EXPECT_NE(line.rfind("+ ", 0), 0u) << line;
    EXPECT_NE(line.rfind("1. ", 0), 0u) << line;
    if (line.rfind("| ", 0) != 0) continue;
    // Table rows keep their columns: 4 (KPIs, owners), 2 (by priority), 7 (repeats, items),
    // 5 (awaiting).
    const std::size_t bars = table_bars(line);
    EXPECT_TRUE(bars == 3 || bars == 5 || bars == 6 || bars == 8) << line;
  }
}

TEST(DigestMarkdown, ShowsTheKpisAgainstTheTargets) {
  const std::string md =
      digest_markdown(build_digest({kFrom, kTo}, kNow, rcas(), incidents(), PostmortemPolicy()));
  EXPECT_NE(md.find("# Post-mortem digest: 2026-10-01 to 2026-10-31\n"), std::string::npos);
  EXPECT_NE(md.find("| Post-mortems within 4 weeks of resolution | 67 % (2 of 3 incidents needing "
                    "one); 1 still inside their 4 weeks | ≥ 90 % | **missed** |"),
            std::string::npos)
      << md;
  EXPECT_NE(
      md.find(
          "| P0/P1 action items done on time | 40 % (2 of 5 items due) | ≥ 80 % | **missed** |"),
      std::string::npos);
  EXPECT_NE(md.find("median 9d 12h, p90 15d; 1 of 2 by their deadline | median ≤ 5 business "
                    "days | met |"),
            std::string::npos);
  EXPECT_NE(md.find("| Action items per post-mortem | 3 (6 in 2 post-mortems; 1 outside 3–5) | "
                    "3–5 | met |"),
            std::string::npos);
  EXPECT_NE(md.find("| Repeat rate | 50 % (2 of 4 incidents opened) |"), std::string::npos);
}

TEST(DigestJson, CarriesTheFiguresAndLists) {
  const auto j =
      digest_json(build_digest({kFrom, kTo}, kNow, rcas(), incidents(), PostmortemPolicy()));
  EXPECT_EQ(j["from"], "2026-10-01T00:00:00Z");
  EXPECT_EQ(j["to"], "2026-11-01T00:00:00Z");
  EXPECT_EQ(j["kpis"]["p0_p1_on_time"]["part"], 2);
  EXPECT_EQ(j["kpis"]["p0_p1_on_time"]["whole"], 5);
  EXPECT_DOUBLE_EQ(j["kpis"]["coverage"]["ratio"].get<double>(), 0.75);
  EXPECT_TRUE(j["kpis"]["on_time_by_priority"]["P3"]["ratio"].is_null());
  EXPECT_EQ(j["kpis"]["time_to_postmortem"]["median_seconds"], 9.5 * 86400);
  EXPECT_EQ(j["kpis"]["items_per_postmortem"]["mean"], 3.0);
  EXPECT_EQ(j["targets"]["within_four_weeks_ratio"], 0.9);
  EXPECT_EQ(j["postmortems"].size(), 2u);
  EXPECT_EQ(j["postmortems"][0]["root_cause"], "Nobody owned the certificate renewal.");
  EXPECT_EQ(j["repeats"][0]["ineffective_fix"], true);
  EXPECT_EQ(j["action_items"]["overdue"][0]["id"], "D3");
  EXPECT_EQ(j["action_items"]["overdue"][0]["late_by_seconds"], 61 * 86400.0);
  EXPECT_EQ(j["awaiting_postmortem"][0]["incident"], "inc-e");
  EXPECT_TRUE(j["incomplete"].is_null());
}

}  // namespace
}  // namespace pmx
