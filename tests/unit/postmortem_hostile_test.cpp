// Every value of the post-mortem draft that comes from an alert or an RCA is inert Markdown:
// hostile labels, annotations and RCA fields show as text, never as HTML, links, images, code,
// tables or headings of their own. A golden file shows the whole draft; set
// PMX_UPDATE_GOLDEN=1 to rewrite it after a deliberate change (and review the diff).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "golden.h"
#include "pmx/core/ingest_rules.h"
#include "pmx/core/postmortem_markdown.h"
#include "pmx/core/rca_loader.h"

namespace pmx {
namespace {

using nlohmann::json;

UnixNanos at(const char* rfc3339) { return parse_rfc3339(rfc3339).value(); }

const std::string kScript = "<script>alert(1)</script>";
const std::string kLink = "[click](javascript:alert(1))";
const std::string kHeading = "\n# Injected heading";
const std::string kTable = "| a | b |";
const std::string kCode = "`code`";
const std::string kImage = "![img](http://x)";
/// All of them, and the start of a list, a quote, an HTML entity and emphasis.
const std::string kAll = kScript + " " + kLink + kHeading + "\n" + kTable + " " + kCode + " " +
                         kImage + "\n- item\n> quote\n1. first &amp; *bold* __b__ ~~s~~";

json document(const std::string& base) {
  std::ifstream in(std::string(PMX_SCHEMA_DIR) + "/examples/valid/" + base);
  return json::parse(in);
}

/// The RCA of `doc`; throws (failing the test) when the hostile values make it invalid.
Rca loaded(const json& doc) {
  auto rca = load_rca(doc);
  if (!rca) throw std::runtime_error("invalid RCA: " + rca.error().message());
  return *rca;
}

/// An incident whose labels and annotations are hostile, resolved, a repeat of an earlier one.
std::pair<Incident, std::vector<TimelineEvent>> hostile_incident() {
  IngestConfig config;
  Alert alert;
  alert.fingerprint = "a1b2c3d4e5f60718";
  alert.starts_at = at("2026-03-14T09:01:30Z");
  alert.labels = {{"alertname", kScript},
                  {"service", kLink + kHeading},
                  {"instance", kTable},
                  {"severity", kCode + " " + kImage}};
  alert.annotations = {{"summary", kAll}};
  SourceState state;
  state.key = source_key_for(alert.labels, config.source_labels);
  SourceUpdate update = apply_alerts(state, {alert}, {}, at("2026-03-14T09:02:42Z"), config);
  std::vector<TimelineEvent> timeline = update.timeline.at(update.state.current->id);
  Incident incident = update.incidents.back();  // with its alert records
  incident.repeat = RepeatInfo{2, {"earlier-1"}, {{"RCA-OLD", kAll, 1, 1}}, 1, false, {}};
  return {incident, timeline};
}

/// The published example with every text field made hostile.
Rca hostile_rca() {
  json doc = document("published-full.json");
  doc["title"] = kAll;
  doc["summary"] = kAll + "\n\n    indented code\n---\n===\n## Section";
  doc["root_cause"] = kAll;
  doc["incident_commander"] = kScript;
  doc["authors"] = {kLink, kHeading};
  doc["reviewers"] = {kTable};
  doc["severity"] = "high";
  doc["impact"]["description"] = kAll;
  for (const char* key : {"five_whys", "contributing_factors", "what_went_well",
                          "what_could_be_improved", "lessons_learned"}) {
    doc[key] = {kAll, "#not a heading", "+ 2. nested"};
  }
  doc["timeline"] = {{{"time", "2026-03-14T09:00:00Z"}, {"event", kAll}, {"source", kLink}},
                     {{"time", "2026-03-14T09:30:00Z"}, {"event", kTable}}};
  doc["action_items"][0]["title"] = kAll;
  doc["action_items"][0]["owner"] = kImage;
  doc["action_items"][0]["ticket"] = "javascript:alert(1)";
  doc["action_items"][1]["owner"] = kTable;
  doc["action_items"][1]["title"] = kLink;
  return loaded(doc);
}

/// The earlier incident's RCA: waived for a hostile reason, with a hostile open item.
Rca hostile_earlier_rca() {
  json doc = document("waived-flapping-warning.json");
  doc["id"] = "RCA-OLD";
  doc["title"] = kAll;
  doc["waiver_reason"] = kAll;
  doc["root_cause"] = kLink;
  doc["action_items"] = {{{"id", "AI-9"},
                          {"title", kAll},
                          {"type", "prevent"},
                          {"priority", "P1"},
                          {"owner", kScript},
                          {"due", "2026-04-01"},
                          {"status", "open"}}};
  return loaded(doc);
}

std::string render_hostile() {
  const auto [incident, timeline] = hostile_incident();
  return render_postmortem_markdown(incident, timeline, {hostile_rca()}, {hostile_earlier_rca()},
                                    at("2026-12-01T12:00:00Z"));
}

TEST(PostmortemHostile, MatchesTheGoldenFile) {
  expect_golden("postmortem-hostile.md", render_hostile());
}

TEST(PostmortemHostile, NoValueBecomesHtmlALinkOrAHeading) {
  const std::string md = render_hostile();
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("</script"), std::string::npos);
  EXPECT_EQ(md.find("](javascript:"), std::string::npos);
  EXPECT_EQ(md.find("]("), std::string::npos) << "no link nor image at all";
  EXPECT_EQ(md.find("`code`"), std::string::npos);
  // Headings: the daemon's own only (its title, its sections, one per earlier RCA).
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    EXPECT_NE(line.rfind("    ", 0), 0u) << "indented code: " << line;
    const char c = line[first];
    if (c == '#') {
      EXPECT_TRUE(line.rfind("# Post-mortem: ", 0) == 0 || line.rfind("## ", 0) == 0 ||
                  line.rfind("### ", 0) == 0)
          << line;
      if (line.rfind("## ", 0) == 0) {
        EXPECT_EQ(line.find('\\'), std::string::npos) << line;
      }
    }
    EXPECT_NE(c, '>') << line;  // no quote (the draft banner is left out once published)
    EXPECT_NE(c, '=') << line;
    EXPECT_NE(line.rfind("---", 0), 0u) << line;  // a rule or a setext heading
    EXPECT_NE(line.rfind("+ ", 0), 0u) << line;
  }
  // Table rows keep their columns: metadata has 2 cells, the timeline 4, action items 9.
  std::istringstream rows(md);
  for (std::string row; std::getline(rows, row);) {
    if (row.rfind("| ", 0) != 0) continue;
    const std::size_t bars = table_bars(row);
    EXPECT_TRUE(bars == 3 || bars == 5 || bars == 10) << row;
  }
}

}  // namespace
}  // namespace pmx
