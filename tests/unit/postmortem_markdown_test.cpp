#include "pmx/core/postmortem_markdown.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "alerts.h"
#include "pmx/core/ingest_rules.h"
#include "pmx/core/rca_loader.h"

namespace pmx {
namespace {

using nlohmann::json;

UnixNanos at(const char* rfc3339) { return parse_rfc3339(rfc3339).value(); }

const UnixNanos kNow = at("2026-12-01T12:00:00Z");

Rca load_example(const std::string& name) {
  std::ifstream in(std::string(PMX_SCHEMA_DIR) + "/examples/valid/" + name);
  auto loaded = load_rca(nlohmann::json::parse(in));
  return *loaded;
}

/// The text of section `title`, up to the next `## ` heading.
std::string section(const std::string& md, const std::string& title) {
  const auto start = md.find("\n## " + title + "\n");
  if (start == std::string::npos) return "";
  const auto body = start + title.size() + 6;  // past the heading and the blank line
  const auto end = md.find("\n## ", body);
  return md.substr(body, end == std::string::npos ? std::string::npos : end - body);
}

/// The cells of one table row, unescaped (`\|` is a `|` inside a cell).
std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size()) {
      current += row[++i];
    } else if (row[i] == '|') {
      out.push_back(current.substr(1, current.size() - 2));  // the padding spaces
      current.clear();
    } else {
      current += row[i];
    }
  }
  return out;
}

/// The body rows of the first table in `text` (header and separator left out), as cells.
std::vector<std::vector<std::string>> table(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  int seen = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("|", 0) != 0) {
      if (seen > 0) break;
      continue;
    }
    if (++seen > 2) rows.push_back(cells(line));
  }
  return rows;
}

/// The incident of one alert of web-1 as the ingest rules open it: it started at `starts_at`
/// and its first notification arrived at `received_at`. Resolved at `ends_at` unless 0.
std::pair<Incident, std::vector<TimelineEvent>> ingest(UnixNanos starts_at, UnixNanos received_at,
                                                       UnixNanos ends_at = 0) {
  IngestConfig config;
  Alert alert;
  alert.fingerprint = "a1b2c3d4e5f60718";
  alert.starts_at = starts_at;
  alert.labels = {{"alertname", "PaymentGatewayErrors"},
                  {"service", "checkout"},
                  {"instance", "web-1"},
                  {"severity", "critical"}};
  SourceState state;
  state.key = source_key_for(alert.labels, config.source_labels);
  SourceUpdate update = apply_alerts(state, {alert}, {}, received_at, config);
  std::vector<TimelineEvent> timeline = update.timeline.at(update.state.current->id);
  if (ends_at != 0) {
    alert.status = AlertStatus::kResolved;
    alert.ends_at = ends_at;
    update = apply_alerts(unit::state_after(update), {alert}, {occurrence_id(alert)},
                          ends_at + kNanosPerSecond, config);
    const auto& more = update.timeline.at(update.state.current->id);
    timeline.insert(timeline.end(), more.begin(), more.end());
  }
  return {*unit::state_after(update).current, timeline};
}

ActionItem item(const std::string& id, const std::string& title, ActionItemStatus status) {
  ActionItem i;
  i.id = id;
  i.title = title;
  i.owner = "sam";
  i.due = "2026-06-01";
  i.status = status;
  return i;
}

TEST(PostmortemMarkdown, HasEverySectionOfTheTemplateInOrder) {
  const auto [incident, timeline] =
      ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:02:42Z"), at("2026-03-14T09:52:00Z"));
  const std::string md = render_postmortem_markdown(
      incident, timeline, {load_example("published-full.json")}, {}, kNow);

  EXPECT_EQ(
      md.rfind("# Post-mortem: Checkout unavailable after payment-gateway certificate expiry (" +
                   incident.id + ")\n",
               0),
      0u)
      << "titled by the RCA:\n"
      << md;
  std::size_t previous = 0;
  for (const char* title : {"Summary", "Impact", "Timeline", "Root cause", "Five whys",
                            "Contributing factors", "What went well", "What could be improved",
                            "Action items", "Lessons learned", "Follow-up reviews"}) {
    const auto pos = md.find(std::string("\n## ") + title + "\n");
    ASSERT_NE(pos, std::string::npos) << title;
    EXPECT_GT(pos, previous) << title << " out of order";
    previous = pos;
  }
  EXPECT_EQ(md.find("## Earlier incidents and RCAs"), std::string::npos) << "not a repeat";
  // Filled from the RCA, not prompted.
  EXPECT_EQ(md.find("_TODO: one sentence"), std::string::npos);
  EXPECT_NE(section(md, "Root cause").find("nobody owned the renewal"), std::string::npos);
  EXPECT_NE(section(md, "Five whys").find("5. That person had left"), std::string::npos);
  EXPECT_NE(section(md, "Impact").find("- Users affected: 18250\n"), std::string::npos);
  EXPECT_NE(section(md, "Impact").find("- Revenue lost: 42500.5 EUR\n"), std::string::npos);
  EXPECT_NE(section(md, "Impact").find("- Error budget consumed: 82%\n"), std::string::npos);
}

// The detection gap is impact start -> first alert (the guides' definition); the time from the
// alert's startsAt to the webhook is Alertmanager's group_wait, shown as notification delay.
TEST(PostmortemMarkdown, MetadataSeparatesDetectionGapFromNotificationDelay) {
  const auto [incident, timeline] =
      ingest(at("2026-11-23T07:44:13Z"), at("2026-11-23T07:44:15Z"), at("2026-11-23T08:31:20Z"));
  const std::string md = render_postmortem_markdown(incident, timeline, {}, {}, kNow);
  EXPECT_NE(md.find("| Opened (Alertmanager startsAt) | 2026-11-23T07:44:13Z |"),
            std::string::npos);
  EXPECT_NE(md.find("| First notification received | 2026-11-23T07:44:15Z |"), std::string::npos);
  EXPECT_NE(md.find("| Notification delay | 2s (startsAt → webhook: Alertmanager group_wait and "
                    "routing) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| Detection gap | _TODO: set impact_started_at"), std::string::npos)
      << "unknown without the RCA's impact start";
  EXPECT_NE(md.find("| Duration (MTTR) | 47m 7s |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Severity | critical |"), std::string::npos);
  EXPECT_NE(md.find("| Reopened | 0 times |"), std::string::npos);
  EXPECT_NE(md.find("| Occurrences | 1 |"), std::string::npos);

  const auto rows = table(section(md, "Timeline"));
  ASSERT_EQ(rows.size(), 4u) << md;  // opened, alert fired, alert resolved, resolved
  EXPECT_EQ(rows[0][2], "incident opened");
  EXPECT_EQ(rows[0][1], "2026-11-23T07:44:15Z");
  EXPECT_EQ(rows[1][2], "alert fired: web-1");

  Rca rca;
  rca.id = "r";
  rca.title = "Checkout failing";
  rca.document = {{"impact_started_at", "2026-11-23T07:40:13Z"}, {"detected_by", "customer"}};
  const std::string known = render_postmortem_markdown(incident, timeline, {rca}, {}, kNow);
  EXPECT_NE(known.find("| Impact started | 2026-11-23T07:40:13Z (impact_started_at) |"),
            std::string::npos)
      << known;
  EXPECT_NE(
      known.find("| Detection gap | 4m after impact started; **customer before monitoring** |"),
      std::string::npos)
      << known;
  EXPECT_EQ(table(section(known, "Timeline"))[0][2],
            "incident opened **← detection gap: 4m after impact started; **customer before "
            "monitoring****");
  rca.document = {{"timeline", json::array({{{"time", "2026-11-23T07:43:00Z"}, {"event", "a"}},
                                            {{"time", "2026-11-23T07:41:00Z"}, {"event", "b"}}})}};
  const std::string from_timeline = render_postmortem_markdown(incident, timeline, {rca}, {}, kNow);
  EXPECT_NE(from_timeline.find("| Detection gap | 3m 13s after impact started |"),
            std::string::npos)
      << from_timeline;
  EXPECT_NE(
      from_timeline.find("| Impact started | 2026-11-23T07:41:00Z (earliest timeline entry) |"),
      std::string::npos);

  // One precision, seconds, everywhere: the received time below has half a second.
  const auto later = ingest(at("2026-11-23T07:44:13Z"), at("2026-11-23T07:45:25.5Z"));
  const std::string open = render_postmortem_markdown(later.first, later.second, {}, {}, kNow);
  EXPECT_NE(open.find("| Notification delay | 1m 12s"), std::string::npos) << open;
  EXPECT_NE(open.find("| First notification received | 2026-11-23T07:45:25Z |"), std::string::npos);
  EXPECT_EQ(open.find(".5Z"), std::string::npos) << open;
  EXPECT_NE(open.find("| Resolved | — (still open) |"), std::string::npos);
  EXPECT_NE(open.find("| Duration (MTTR) | 8d 4h 15m 47s so far (still open) |"),
            std::string::npos);
}

TEST(PostmortemMarkdown, TimelineMergesTheRcaEntriesSortedByTime) {
  const auto [incident, timeline] =
      ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:02:42Z"), at("2026-03-14T09:52:00Z"));
  const std::string md = render_postmortem_markdown(
      incident, timeline, {load_example("published-full.json")}, {}, kNow);
  const auto rows = table(section(md, "Timeline"));
  std::vector<std::string> order;
  for (const auto& row : rows) order.push_back(row[0] + " " + row[2]);
  const std::vector<std::string> expected = {
      "2026-03-14T09:00:00Z Client certificate for the payment gateway expired",
      "2026-03-14T09:01:30Z incident opened **← detection gap: 1m 30s after impact started**",
      "2026-03-14T09:01:30Z alert fired: web-1",
      "2026-03-14T09:01:30Z PaymentGatewayErrors started firing",
      "2026-03-14T09:12:04Z On-call paged by CheckoutErrorBudgetBurn",
      "2026-03-14T09:31:10Z Cause found: TLS handshake failures in gateway client logs",  // +01:00
      "2026-03-14T09:47:00Z Renewed certificate deployed, payments recovering",
      "2026-03-14T09:52:00Z alert resolved: web-1",
      "2026-03-14T09:52:00Z incident resolved",
      "2026-03-14T09:52:00Z Incident resolved",
  };
  EXPECT_EQ(order, expected) << md;
  EXPECT_EQ(rows[0][3], "RCA: certificate inventory");
  EXPECT_EQ(rows[0][1], "—");
  EXPECT_EQ(rows[1][3], "postmortem-exporter");
  EXPECT_EQ(md.find("_TODO: add what people did"), std::string::npos);
}

TEST(PostmortemMarkdown, TimelineDescribesEveryKindOfEvent) {
  Incident incident;
  incident.id = "abc-1";
  incident.alerts["fp-no-instance"].fingerprint = "fp-no-instance";
  const UnixNanos t = at("2026-05-01T10:00:00Z");
  const std::vector<TimelineEvent> timeline = {
      {TimelineEventType::kActionItemChanged, t + 5, t + 5, "", "AI-1 open -> done"},
      {TimelineEventType::kRcaLinked, t + 4, t + 4, "", "RCA-7"},
      {TimelineEventType::kFlaggedRepeat, t + 3, t + 3, "", "2nd incident of this source in 180d"},
      {TimelineEventType::kReopened, t + 2, t + 2, "", ""},
      {TimelineEventType::kAlertFired, t + 1, t + 1, "fp-no-instance", ""},
  };
  const auto rows =
      table(section(render_postmortem_markdown(incident, timeline, {}, {}, kNow), "Timeline"));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0][2], "alert fired: fp-no-instance");
  EXPECT_EQ(rows[1][2], "incident reopened");
  EXPECT_EQ(rows[2][2], "flagged as repeat: 2nd incident of this source in 180d");
  EXPECT_EQ(rows[3][2], "RCA linked: RCA-7");
  // The detail names the item (from the RCA), so it is escaped: `>` as an entity.
  EXPECT_EQ(rows[4][2], "action item changed: AI-1 open -&gt; done");
}

TEST(PostmortemMarkdown, ActionItemsTableEscapesCells) {
  const auto [incident, timeline] = ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:01:31Z"));
  Rca rca = load_example("published-full.json");
  rca.action_items[0].title = "Use a|b routing\nin the gateway";
  rca.action_items[1].owner = "ops|oncall";
  const std::string md = render_postmortem_markdown(incident, timeline, {rca}, {}, kNow);
  const std::string items = section(md, "Action items");
  EXPECT_NE(
      items.find("| ID | Title | Type | Priority | Owner | Due | Status | Completed | Ticket |"),
      std::string::npos);
  EXPECT_NE(items.find("Use a\\|b routing in the gateway"), std::string::npos) << items;
  const auto rows = table(items);
  ASSERT_EQ(rows.size(), 3u) << items;
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"AI-1", "Use a|b routing in the gateway", "prevent", "P0",
                                      "maria.schmidt", "2026-03-28", "done", "2026-03-25T16:20:00Z",
                                      "https://jira.example.com/browse/PAY-1042"}));
  EXPECT_EQ(rows[1][4], "ops|oncall");
  EXPECT_EQ(rows[1][7], "—") << "not completed";
  EXPECT_EQ(rows[2][8], "—") << "no ticket";
}

// The quality checks on the open items, below the table, escaped like every RCA value; the rules
// are the caller's (the daemon's flags).
TEST(PostmortemMarkdown, WarnsAboutWeakActionItemsBelowTheTable) {
  const auto [incident, timeline] = ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:01:31Z"));
  Rca rca = load_example("published-full.json");
  rca.action_items[1].owner = "ops|oncall";
  std::string items =
      section(render_postmortem_markdown(incident, timeline, {rca}, {}, kNow), "Action items");
  // Markdown punctuation in a message is escaped as in every RCA value: \| and \( \).
  const std::string expected =
      "\nWarnings on the open action items (the guides' checks; the RCA is stored as it is):\n\n"
      "- **Warning** (AI-2): owner \"ops\\|oncall\" looks like a team: name one person "
      "accountable\n"
      "- **Warning** (AI-2): due 2026-04-15, 31 days after the RCA \\(2026-03-15\\): more than "
      "28; split it into steps that can be done sooner\n"
      "- **Warning** (AI-3): due 2026-05-31, 77 days after the RCA \\(2026-03-15\\): more than "
      "28; split it into steps that can be done sooner\n";
  EXPECT_NE(items.find(expected), std::string::npos) << items;
  EXPECT_EQ(items.find("(AI-1)"), std::string::npos) << "done: nothing more to say";

  const auto no_team_check = make_action_item_rules("", kDefaultVaguePhrases);
  ASSERT_TRUE(no_team_check.ok());
  items = section(render_postmortem_markdown(incident, timeline, {rca}, {}, kNow, *no_team_check),
                  "Action items");
  EXPECT_EQ(items.find("(AI-2): owner"), std::string::npos) << items;
  EXPECT_NE(items.find("(AI-3): due"), std::string::npos);

  rca.action_items[1].due = "2026-04-01";
  rca.action_items[2].due = "2026-04-01";
  rca.action_items[1].owner = "jlee";
  items = section(render_postmortem_markdown(incident, timeline, {rca}, {}, kNow), "Action items");
  EXPECT_EQ(items.find("Warning"), std::string::npos) << items;
}

TEST(PostmortemMarkdown, PromptsForEverySectionWithoutAnRca) {
  const auto [incident, timeline] = ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:01:31Z"));
  const std::string md = render_postmortem_markdown(incident, timeline, {}, {}, kNow);
  for (const char* title : {"Summary", "Impact", "Root cause", "Five whys", "Contributing factors",
                            "What went well", "What could be improved", "Lessons learned"}) {
    EXPECT_EQ(section(md, title).rfind("_TODO: ", 0), 0u) << title << ":\n" << section(md, title);
  }
  EXPECT_NE(section(md, "Root cause").find("_TODO: one sentence: what failed, and why._"),
            std::string::npos);
  EXPECT_NE(section(md, "Timeline").find("_TODO: add what people did"), std::string::npos);
  const auto items = table(section(md, "Action items"));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0][0], "_TODO_");
  EXPECT_NE(md.find("| Post-mortem status | draft (no RCA linked yet) |"), std::string::npos);
  EXPECT_NE(md.find("| Incident commander | _TODO:"), std::string::npos);
  EXPECT_NE(md.find("| Authors | _TODO:"), std::string::npos);
  EXPECT_NE(md.find("| Reviewers | _TODO:"), std::string::npos);
  EXPECT_NE(md.find("# Post-mortem: PaymentGatewayErrors on checkout (" + incident.id + ")"),
            std::string::npos)
      << "without an RCA: alert name and service";
  EXPECT_NE(md.find("> Draft generated from the incident's activity. Replace every _TODO_"),
            std::string::npos);
}

TEST(PostmortemMarkdown, NamesThePeopleAndTheIncidentsOwnSeverity) {
  const auto [incident, timeline] = ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:01:31Z"));
  Rca rca = load_example("published-full.json");
  std::string md = render_postmortem_markdown(incident, timeline, {rca}, {}, kNow);
  EXPECT_NE(md.find("| Incident commander | priya.nair |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Authors | maria.schmidt, @jlee |"), std::string::npos);
  EXPECT_NE(md.find("| Reviewers | sre-review-board |"), std::string::npos);
  EXPECT_NE(md.find("| Severity | critical |"), std::string::npos);
  EXPECT_EQ(md.find("Replace every _TODO_"), std::string::npos) << "published: no draft banner";

  rca.severity = "high";  // the organisation's grade next to what the alerts said
  md = render_postmortem_markdown(incident, timeline, {rca}, {}, kNow);
  EXPECT_NE(md.find("| Severity | critical; RCA grades it high |"), std::string::npos) << md;
  rca.status = RcaStatus::kDraft;
  md = render_postmortem_markdown(incident, timeline, {rca}, {}, kNow);
  EXPECT_NE(md.find("> Draft generated from the incident's activity and its RCA."),
            std::string::npos);
}

TEST(PostmortemMarkdown, AlertEventsAreNamedByTheirSummary) {
  Incident incident;
  incident.id = "abc-1";
  AlertRecord& alert = incident.alerts["fp-1"];
  alert.fingerprint = "fp-1";
  alert.labels = {{"instance", "web-1"}};
  alert.annotations = {{"summary", "p99 latency above 2s"}};
  const UnixNanos t = at("2026-05-01T10:00:00Z");
  const std::vector<TimelineEvent> timeline = {
      {TimelineEventType::kAlertFired, t, t, "fp-1", ""},
      {TimelineEventType::kAlertResolved, t + kNanosPerSecond, t + kNanosPerSecond, "fp-1", ""}};
  const auto rows =
      table(section(render_postmortem_markdown(incident, timeline, {}, {}, kNow), "Timeline"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][2], "alert fired: p99 latency above 2s");
  EXPECT_EQ(rows[1][2], "alert resolved: p99 latency above 2s");
}

// A PATCH per change leaves a trail; the draft shows one line per item with the net change, at
// the time of its last edit.
TEST(PostmortemMarkdown, ItemEditsCollapseToOneLinePerItem) {
  Incident incident;
  incident.id = "abc-1";
  const UnixNanos t = at("2026-05-01T10:00:00Z");
  const auto edit = [t](int second, const std::string& detail) {
    const UnixNanos when = t + second * kNanosPerSecond;
    return TimelineEvent{TimelineEventType::kActionItemChanged, when, when, "", detail};
  };
  const std::vector<TimelineEvent> timeline = {
      edit(1, "action item AI-1 'Raise the pool': status open → in_progress"),
      edit(2, "action item AI-2 'Alert on saturation': owner ann lee → bo"),
      edit(3, "action item AI-1 'Raise the pool': status in_progress → done"),
      edit(4, "action item AI-1 'Raise the pool size': due 2026-06-01 → 2026-06-08"),
      edit(5, "action item AI-2 'Alert on saturation': owner bo → ann lee"),
      edit(6, "AI-9 open -> done"),  // not the daemon's wording: kept as it is
  };
  const auto rows =
      table(section(render_postmortem_markdown(incident, timeline, {}, {}, kNow), "Timeline"));
  std::vector<std::string> shown;
  for (const auto& row : rows) shown.push_back(row[0] + " " + row[2]);
  const std::vector<std::string> expected = {
      "2026-05-01T10:00:04Z action item changed: action item AI-1 'Raise the pool size': status "
      "open → done due 2026-06-01 → 2026-06-08 (3 edits)",
      "2026-05-01T10:00:05Z action item changed: action item AI-2 'Alert on saturation': edited "
      "back as it was (2 edits)",
      "2026-05-01T10:00:06Z action item changed: AI-9 open -&gt; done",  // `>` escaped
  };
  EXPECT_EQ(shown, expected);
}

TEST(PostmortemMarkdown, FollowUpReviewsTwoAndFourWeeksAfterPublication) {
  const auto [incident, timeline] =
      ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:01:31Z"), at("2026-03-14T09:52:00Z"));
  Rca rca = load_example("published-full.json");  // published 2026-03-19T14:05:00.250Z
  // It names its own reviews: the draft lists those, the dates the reviews-due KPI counts, and
  // not the defaults beside them.
  std::string reviews =
      section(render_postmortem_markdown(incident, timeline, {rca}, {}, kNow), "Follow-up reviews");
  EXPECT_NE(reviews.find("- 2026-04-30: scheduled in the RCA"), std::string::npos) << reviews;
  EXPECT_NE(reviews.find("- 2026-06-30: scheduled in the RCA"), std::string::npos);
  EXPECT_EQ(reviews.find(" weeks after"), std::string::npos) << reviews;

  rca.document.erase("follow_up_reviews");  // names none: the defaults, after publication
  reviews =
      section(render_postmortem_markdown(incident, timeline, {rca}, {}, kNow), "Follow-up reviews");
  EXPECT_NE(
      reviews.find("- 2026-04-02: review the action items, 2 weeks after the RCA was published"),
      std::string::npos)
      << reviews;
  EXPECT_NE(reviews.find("- 2026-04-16: check that the fix held, 4 weeks"), std::string::npos);

  rca.published_at.reset();  // not published yet: from the resolution (2026-03-14)
  reviews =
      section(render_postmortem_markdown(incident, timeline, {rca}, {}, kNow), "Follow-up reviews");
  EXPECT_NE(
      reviews.find("- 2026-03-28: review the action items, 2 weeks after the incident resolved"),
      std::string::npos)
      << reviews;
  EXPECT_NE(reviews.find("- 2026-04-11: check"), std::string::npos);

  const auto open = ingest(at("2026-11-30T09:01:30Z"), at("2026-11-30T09:01:31Z"));
  reviews = section(render_postmortem_markdown(open.first, open.second, {}, {}, kNow),
                    "Follow-up reviews");
  EXPECT_NE(reviews.find("- 2026-12-15: review the action items, 2 weeks from today (2026-12-01"),
            std::string::npos)
      << reviews;
  EXPECT_NE(reviews.find("- 2026-12-29: check"), std::string::npos);
}

Incident repeat_incident(bool ineffective_fix) {
  Incident incident;
  incident.id = "9f1c2b3a4d5e6f70-3";
  incident.source = "alertname=\"PoolExhausted\",service=\"checkout\"";
  incident.opened_at = at("2026-11-23T07:44:13Z");
  incident.opened_received_at = at("2026-11-23T07:44:15Z");
  RepeatInfo repeat;
  repeat.ordinal = 3;
  repeat.earlier_incidents = {"9f1c2b3a4d5e6f70-1", "9f1c2b3a4d5e6f70-2"};
  repeat.ineffective_fix = ineffective_fix;
  if (ineffective_fix) repeat.fixed_types = {"prevent", "detect"};
  incident.repeat = repeat;
  return incident;
}

TEST(PostmortemMarkdown, RepeatListsEarlierIncidentsAndOpenItemsOfTheirRcas) {
  Rca earlier;
  earlier.id = "RCA-2026-031";
  earlier.title = "Connection pool exhausted";
  earlier.status = RcaStatus::kPublished;
  earlier.action_items = {item("AI-1", "Raise the pool size", ActionItemStatus::kDone),
                          item("AI-2", "Alert on pool saturation", ActionItemStatus::kInProgress),
                          item("AI-3", "Load-test the pool", ActionItemStatus::kWontDo)};
  const std::string md =
      render_postmortem_markdown(repeat_incident(false), {}, {}, {earlier}, kNow);
  const std::string repeat = section(md, "Earlier incidents and RCAs");
  ASSERT_FALSE(repeat.empty()) << md;
  EXPECT_NE(md.find("# Post-mortem: alertname=\"PoolExhausted\",service=\"checkout\""),
            std::string::npos)
      << "no alert: the source names it";
  EXPECT_NE(repeat.find("This is the 3rd incident of this source in the repeat window."),
            std::string::npos);
  EXPECT_NE(repeat.find("`9f1c2b3a4d5e6f70-1`, `9f1c2b3a4d5e6f70-2`"), std::string::npos);
  EXPECT_NE(repeat.find("### Connection pool exhausted (`RCA-2026-031`)"), std::string::npos);
  EXPECT_NE(repeat.find("Status: published. 1 of 3 action items still open:"), std::string::npos);
  EXPECT_NE(
      repeat.find("- AI-2: Alert on pool saturation (owner sam, due 2026-06-01, in_progress)"),
      std::string::npos)
      << repeat;
  EXPECT_EQ(repeat.find("AI-1"), std::string::npos) << "done items are not listed";
  EXPECT_EQ(repeat.find("AI-3"), std::string::npos) << "won't-do items are not listed";
  EXPECT_EQ(repeat.find("the fix did not hold"), std::string::npos);
}

// The fix did not hold: the reader needs what was done and what the earlier root cause was.
TEST(PostmortemMarkdown, AnIneffectiveFixNamesTheDoneItemsAndTheEarlierRootCause) {
  Rca earlier;
  earlier.id = "RCA-2026-031";
  earlier.title = "Connection pool exhausted";
  earlier.status = RcaStatus::kPublished;
  earlier.document = {{"root_cause", "The pool was sized for last year's traffic."}};
  earlier.action_items = {item("AI-1", "Raise the pool size", ActionItemStatus::kDone),
                          item("AI-2", "Load-test the pool", ActionItemStatus::kWontDo)};
  earlier.action_items[0].completed_at = at("2026-05-30T10:00:00.25Z");
  const std::string repeat =
      section(render_postmortem_markdown(repeat_incident(true), {}, {}, {earlier}, kNow),
              "Earlier incidents and RCAs");
  EXPECT_NE(repeat.find("Root cause: The pool was sized for last year's traffic."),
            std::string::npos)
      << repeat;
  EXPECT_NE(repeat.find("Done, and it came back anyway:\n\n- AI-1: Raise the pool size (prevent, "
                        "owner sam, completed 2026-05-30T10:00:00Z)\n"),
            std::string::npos)
      << repeat;
  EXPECT_EQ(repeat.find("AI-2"), std::string::npos) << "won't-do was not a fix";
  const std::string not_flagged =
      section(render_postmortem_markdown(repeat_incident(false), {}, {}, {earlier}, kNow),
              "Earlier incidents and RCAs");
  EXPECT_NE(not_flagged.find("Root cause: The pool"), std::string::npos);
  EXPECT_EQ(not_flagged.find("Done, and it came back"), std::string::npos);
}

TEST(PostmortemMarkdown, RepeatWarnsOfAnIneffectiveFixOnlyWhenFlagged) {
  const std::string md = render_postmortem_markdown(repeat_incident(true), {}, {}, {}, kNow);
  EXPECT_NE(section(md, "Earlier incidents and RCAs")
                .find("**Every action item of the earlier RCAs was closed before this incident "
                      "opened: the fix did not hold. Types of the completed items: prevent, "
                      "detect.** The earlier root causes and what was done are below."),
            std::string::npos)
      << md;
  const std::string not_flagged =
      render_postmortem_markdown(repeat_incident(false), {}, {}, {}, kNow);
  EXPECT_EQ(not_flagged.find("did not hold"), std::string::npos);
}

TEST(PostmortemMarkdown, SameInputSameOutput) {
  const auto [incident, timeline] = ingest(at("2026-03-14T09:01:30Z"), at("2026-03-14T09:01:31Z"));
  const std::vector<Rca> rcas = {load_example("published-full.json")};
  EXPECT_EQ(render_postmortem_markdown(incident, timeline, rcas, {}, kNow),
            render_postmortem_markdown(incident, timeline, rcas, {}, kNow));
}

}  // namespace
}  // namespace pmx
