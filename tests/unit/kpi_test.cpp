#include "pmx/core/kpi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "pmx/core/ingest_rules.h"
#include "pmx/core/rca_loader.h"

#include "alerts.h"
#include "calendar.h"

namespace pmx {

// Readable failure messages for op lists (found by ADL from gtest's printers).
static const char* kind_name(KpiOp::Kind kind) {
  switch (kind) {
    case KpiOp::Kind::kCount: return "Count";
    case KpiOp::Kind::kIndexAdd: return "IndexAdd";
    case KpiOp::Kind::kIndexRemove: return "IndexRemove";
    case KpiOp::Kind::kResolvedNeedingPostmortem: return "ResolvedNeedingPostmortem";
    case KpiOp::Kind::kReopened: return "Reopened";
    case KpiOp::Kind::kPublishedLink: return "PublishedLink";
  }
  return "?";
}

static void PrintTo(const KpiOp& op, std::ostream* os) {
  *os << "{" << kind_name(op.kind) << " target=" << op.target << " member=" << op.member
      << " at=" << format_rfc3339(op.at) << " due=" << format_rfc3339(op.due)
      << " delta=" << op.delta << "}";
}

namespace {

using nlohmann::json;

using unit::at;
using unit::firing;
using unit::kDay;
using unit::kHour;
using unit::kSecond;
using unit::resolved;

// --- building expected ops ------------------------------------------------------------------

KpiOp count(const std::string& key, std::int64_t delta) {
  KpiOp op;
  op.kind = KpiOp::Kind::kCount;
  op.target = key;
  op.delta = delta;
  return op;
}

KpiOp add(const std::string& index, const std::string& member, UnixNanos time) {
  KpiOp op;
  op.kind = KpiOp::Kind::kIndexAdd;
  op.target = index;
  op.member = member;
  op.at = time;
  return op;
}

KpiOp remove(const std::string& index, const std::string& member) {
  KpiOp op;
  op.kind = KpiOp::Kind::kIndexRemove;
  op.target = index;
  op.member = member;
  return op;
}

KpiOp link(const std::string& incident, std::int64_t delta) {
  KpiOp op;
  op.kind = KpiOp::Kind::kPublishedLink;
  op.target = incident;
  op.delta = delta;
  return op;
}

KpiOp resolved_needing_postmortem(const std::string& incident, UnixNanos resolved_at,
                                  UnixNanos due) {
  KpiOp op;
  op.kind = KpiOp::Kind::kResolvedNeedingPostmortem;
  op.target = incident;
  op.at = resolved_at;
  op.due = due;
  return op;
}

KpiOp reopened(const std::string& incident) {
  KpiOp op;
  op.kind = KpiOp::Kind::kReopened;
  op.target = incident;
  return op;
}

/// The order of ops is not part of the contract (each op touches its own key): compare as sets.
std::vector<KpiOp> sorted(std::vector<KpiOp> ops) {
  std::sort(ops.begin(), ops.end(), [](const KpiOp& a, const KpiOp& b) {
    return std::tie(a.kind, a.target, a.member, a.at, a.due, a.delta) <
           std::tie(b.kind, b.target, b.member, b.at, b.due, b.delta);
  });
  return ops;
}

// --- RCAs -----------------------------------------------------------------------------------

constexpr const char* kRcaId = "RCA-2026-017";
constexpr const char* kIncidentA = "inc-7f3a9c2e41d08b65";
constexpr const char* kIncidentB = "inc-0b1c2d3e4f506172";

/// Like schema/examples/valid/published-full.json, trimmed to what the KPIs read:
///   AI-1 prevent P0 due 2026-03-28 (due_at 2026-03-29T00:00Z) done 2026-03-25 -> on time
///   AI-2 detect  P1 due 2026-04-15 (due_at 2026-04-16T00:00Z) in_progress     -> open
///   AI-3 process P2 due 2026-05-31 (due_at 2026-06-01T00:00Z) open            -> open
/// Two follow-up reviews are named: 2026-04-30 and 2026-06-30.
json published_doc() {
  return json::parse(R"({
    "id": "RCA-2026-017",
    "title": "Checkout unavailable after payment-gateway certificate expiry",
    "status": "published",
    "severity": "critical",
    "incidents": ["inc-7f3a9c2e41d08b65", "inc-0b1c2d3e4f506172"],
    "root_cause": "The payment-gateway client certificate was renewed by hand and nobody owned it.",
    "action_items": [
      {"id": "AI-1", "title": "Automate renewal", "type": "prevent", "priority": "P0",
       "owner": "maria.schmidt", "due": "2026-03-28", "status": "done",
       "completed_at": "2026-03-25T16:20:00Z"},
      {"id": "AI-2", "title": "Alert before certificates expire", "type": "detect",
       "priority": "P1", "owner": "@jlee", "due": "2026-04-15", "status": "in_progress"},
      {"id": "AI-3", "title": "Hand-over checklist", "type": "process", "priority": "P2",
       "owner": "Priya Natarajan", "due": "2026-05-31", "status": "open"}
    ],
    "follow_up_reviews": ["2026-04-30", "2026-06-30"],
    "created_at": "2026-03-15T08:00:00Z",
    "published_at": "2026-03-19T14:05:00Z"
  })");
}

/// The same RCA before publication: a draft naming no review dates.
json draft_doc() {
  json doc = published_doc();
  doc["status"] = "draft";
  doc.erase("published_at");
  doc.erase("follow_up_reviews");
  return doc;
}

Rca load(const json& doc) {
  auto loaded = load_rca(doc);
  if (!loaded) {
    const auto& problems = loaded.error().problems;
    std::string text;
    for (const auto& p : problems) text += p.path + ": " + p.message + "\n";
    ADD_FAILURE() << "test document does not load:\n" << text;
    return Rca{};
  }
  return std::move(*loaded);
}

std::string member(const std::string& item) { return std::string(kRcaId) + "/" + item; }

TEST(RcaKpiOps, IndexNamesAndCountKeysAreTheDocumentedOnes) {
  EXPECT_EQ(kpi_index::open_items(Priority::kP0), "items:open:P0");
  EXPECT_EQ(kpi_index::done_on_time(Priority::kP2), "items:on_time:P2");
  EXPECT_EQ(kpi_index::done_late(Priority::kP3), "items:late:P3");
  EXPECT_EQ(item_count_key(ActionItemStatus::kOpen, Priority::kP0, ActionItemType::kPrevent),
            "open|P0|prevent");
  EXPECT_EQ(item_count_key(ActionItemStatus::kWontDo, Priority::kP3, ActionItemType::kProcess),
            "wont_do|P3|process");
  EXPECT_EQ(
      item_count_key(ActionItemStatus::kInProgress, Priority::kP1, ActionItemType::kMitigate),
      "in_progress|P1|mitigate");
}

TEST(RcaKpiOps, NewPublishedRcaAddsCountsEntriesReviewsAndLinks) {
  const Rca rca = load(published_doc());
  EXPECT_EQ(sorted(rca_kpi_ops(nullptr, &rca)),
            sorted({
                count("done|P0|prevent", +1),
                count("in_progress|P1|detect", +1),
                count("open|P2|process", +1),
                // Entries at the item's due_at: the end of its due date.
                add("items:on_time:P0", member("AI-1"), at("2026-03-29T00:00:00Z")),
                add("items:open:P1", member("AI-2"), at("2026-04-16T00:00:00Z")),
                add("items:open:P2", member("AI-3"), at("2026-06-01T00:00:00Z")),
                // Named review dates are due from the start of their day.
                add("reviews", member("1"), at("2026-04-30T00:00:00Z")),
                add("reviews", member("2"), at("2026-06-30T00:00:00Z")),
                link(kIncidentA, +1),
                link(kIncidentB, +1),
            }));
}

TEST(RcaKpiOps, NewDraftRcaAddsCountsAndItemEntriesOnly) {
  const Rca rca = load(draft_doc());
  EXPECT_EQ(sorted(rca_kpi_ops(nullptr, &rca)),
            sorted({
                count("done|P0|prevent", +1),
                count("in_progress|P1|detect", +1),
                count("open|P2|process", +1),
                add("items:on_time:P0", member("AI-1"), at("2026-03-29T00:00:00Z")),
                add("items:open:P1", member("AI-2"), at("2026-04-16T00:00:00Z")),
                add("items:open:P2", member("AI-3"), at("2026-06-01T00:00:00Z")),
            }));
}

TEST(RcaKpiOps, MinimalDraftWithoutItemsChangesNothing) {
  const Rca rca = load(json::parse(R"({"id": "RCA-2026-018", "title": "t", "status": "draft"})"));
  EXPECT_TRUE(rca_kpi_ops(nullptr, &rca).empty());
  EXPECT_TRUE(rca_kpi_ops(&rca, nullptr).empty());
  EXPECT_TRUE(rca_kpi_ops(nullptr, nullptr).empty());
}

TEST(RcaKpiOps, UnchangedRcaGivesNoOps) {
  const Rca rca = load(published_doc());
  EXPECT_TRUE(rca_kpi_ops(&rca, &rca).empty());
  // Two loads of the same document (a re-PUT of it) too.
  const Rca again = load(published_doc());
  EXPECT_TRUE(rca_kpi_ops(&rca, &again).empty());
  // A change to a field the KPIs do not read.
  json retitled = published_doc();
  retitled["title"] = "Another title";
  const Rca other = load(retitled);
  EXPECT_TRUE(rca_kpi_ops(&rca, &other).empty());
}

TEST(RcaKpiOps, ItemDoneOnTimeMovesFromOpenToOnTime) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["action_items"][2]["status"] = "done";
  doc["action_items"][2]["completed_at"] = "2026-05-20T10:00:00Z";  // before due_at 06-01 00:00
  const Rca after = load(doc);
  // AI-2 is still open, so the reviews stay as they are.
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                count("open|P2|process", -1),
                count("done|P2|process", +1),
                remove("items:open:P2", member("AI-3")),
                add("items:on_time:P2", member("AI-3"), at("2026-06-01T00:00:00Z")),
            }));
}

TEST(RcaKpiOps, ItemDoneUpToTheEndOfItsDueDateIsOnTime) {
  // AI-3 is due 2026-05-31: due_at = 2026-06-01T00:00:00Z, and an item is late only *after*
  // due_at (the same convention as kpi_ranges, where an open item due exactly now is not yet
  // overdue). So the last second of the due date and due_at itself are both on time.
  const Rca before = load(published_doc());
  for (const char* completed : {"2026-05-31T23:59:59Z", "2026-06-01T00:00:00Z"}) {
    json doc = published_doc();
    doc["action_items"][2]["status"] = "done";
    doc["action_items"][2]["completed_at"] = completed;
    const Rca after = load(doc);
    const auto ops = rca_kpi_ops(&before, &after);
    EXPECT_NE(std::find(ops.begin(), ops.end(),
                        add("items:on_time:P2", member("AI-3"), at("2026-06-01T00:00:00Z"))),
              ops.end())
        << completed;
  }
}

TEST(RcaKpiOps, ItemDoneAfterItsDueDateIsLate) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["action_items"][2]["status"] = "done";
  doc["action_items"][2]["completed_at"] = "2026-06-02T09:00:00Z";  // after due_at 06-01 00:00
  const Rca after = load(doc);
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                count("open|P2|process", -1),
                count("done|P2|process", +1),
                remove("items:open:P2", member("AI-3")),
                // Indexed by its due date, not by when it was done.
                add("items:late:P2", member("AI-3"), at("2026-06-01T00:00:00Z")),
            }));
}

TEST(RcaKpiOps, ItemDoneWithoutCompletionTimeCountsOnTime) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["action_items"][2]["status"] = "done";  // no completed_at
  const Rca after = load(doc);
  ASSERT_FALSE(after.action_items[2].completed_at.has_value());
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                count("open|P2|process", -1),
                count("done|P2|process", +1),
                remove("items:open:P2", member("AI-3")),
                add("items:on_time:P2", member("AI-3"), at("2026-06-01T00:00:00Z")),
            }));
}

TEST(RcaKpiOps, ItemWontDoLeavesEveryItemIndex) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["action_items"][2]["status"] = "wont_do";
  const Rca after = load(doc);
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                count("open|P2|process", -1),
                count("wont_do|P2|process", +1),
                remove("items:open:P2", member("AI-3")),
            }));
}

TEST(RcaKpiOps, LateItemReopenedGoesBackToOpen) {
  json late_doc = published_doc();
  late_doc["action_items"][0]["completed_at"] = "2026-04-01T08:00:00Z";  // AI-1 due 03-28: late
  const Rca before = load(late_doc);
  json doc = published_doc();
  doc["action_items"][0]["status"] = "in_progress";
  doc["action_items"][0].erase("completed_at");
  const Rca after = load(doc);
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                count("done|P0|prevent", -1),
                count("in_progress|P0|prevent", +1),
                remove("items:late:P0", member("AI-1")),
                add("items:open:P0", member("AI-1"), at("2026-03-29T00:00:00Z")),
            }));
}

TEST(RcaKpiOps, MovedDueDateMovesTheEntryWithoutTouchingCounts) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["action_items"][2]["due"] = "2026-06-15";
  const Rca after = load(doc);
  // Same index and member, new time: one add (a move), no remove, no count change.
  EXPECT_EQ(rca_kpi_ops(&before, &after),
            std::vector<KpiOp>{add("items:open:P2", member("AI-3"), at("2026-06-16T00:00:00Z"))});
}

TEST(RcaKpiOps, ChangedPriorityMovesCountAndIndex) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["action_items"][2]["priority"] = "P1";
  const Rca after = load(doc);
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                count("open|P2|process", -1),
                count("open|P1|process", +1),
                remove("items:open:P2", member("AI-3")),
                add("items:open:P1", member("AI-3"), at("2026-06-01T00:00:00Z")),
            }));
}

TEST(RcaKpiOps, PublishingAddsLinksAndDefaultReviews) {
  const Rca before = load(draft_doc());
  json doc = draft_doc();
  doc["status"] = "published";
  doc["published_at"] = "2026-03-19T14:05:00Z";
  const Rca after = load(doc);
  // No follow_up_reviews named: published_at + 14d = 2026-04-02 14:05 and + 28d = 2026-04-16
  // 14:05. The items are unchanged: no counts, no item entries.
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                add("reviews", member("1"), at("2026-04-02T14:05:00Z")),
                add("reviews", member("2"), at("2026-04-16T14:05:00Z")),
                link(kIncidentA, +1),
                link(kIncidentB, +1),
            }));
  // The same in plain arithmetic.
  const UnixNanos published = at("2026-03-19T14:05:00Z");
  const auto ops = rca_kpi_ops(&before, &after);
  EXPECT_NE(std::find(ops.begin(), ops.end(), add("reviews", member("2"), published + 28 * kDay)),
            ops.end());
}

TEST(RcaKpiOps, PublishingWithNamedReviewsUsesTheirDates) {
  const Rca before = load(draft_doc());
  const Rca after = load(published_doc());
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                add("reviews", member("1"), at("2026-04-30T00:00:00Z")),
                add("reviews", member("2"), at("2026-06-30T00:00:00Z")),
                link(kIncidentA, +1),
                link(kIncidentB, +1),
            }));
}

TEST(RcaKpiOps, InReviewIsNotPublished) {
  const Rca before = load(draft_doc());
  json doc = draft_doc();
  doc["status"] = "in_review";
  const Rca after = load(doc);
  EXPECT_TRUE(rca_kpi_ops(&before, &after).empty());
}

TEST(RcaKpiOps, PublishedWithEveryItemClosedHasNoReviews) {
  json doc = published_doc();
  doc["action_items"][1]["status"] = "done";
  doc["action_items"][2]["status"] = "wont_do";
  const Rca rca = load(doc);
  const auto ops = rca_kpi_ops(nullptr, &rca);
  for (const auto& op : ops) EXPECT_NE(op.target, "reviews");
  EXPECT_EQ(std::count_if(ops.begin(), ops.end(),
                          [](const KpiOp& op) { return op.kind == KpiOp::Kind::kPublishedLink; }),
            2);
}

TEST(RcaKpiOps, ClosingTheLastItemsRemovesTheReviews) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["action_items"][1]["status"] = "done";
  doc["action_items"][1]["completed_at"] = "2026-04-10T12:00:00Z";  // AI-2 due 04-15: on time
  doc["action_items"][2]["status"] = "wont_do";
  const Rca after = load(doc);
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                count("in_progress|P1|detect", -1),
                count("done|P1|detect", +1),
                count("open|P2|process", -1),
                count("wont_do|P2|process", +1),
                remove("items:open:P1", member("AI-2")),
                remove("items:open:P2", member("AI-3")),
                add("items:on_time:P1", member("AI-2"), at("2026-04-16T00:00:00Z")),
                remove("reviews", member("1")),
                remove("reviews", member("2")),
                // Still published: the links stay.
            }));
}

TEST(RcaKpiOps, ChangedIncidentsMoveTheLinks) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["incidents"] = {kIncidentA, "inc-new"};
  const Rca after = load(doc);
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)), sorted({link(kIncidentB, -1), link("inc-new", +1)}));
}

TEST(RcaKpiOps, UnpublishingRemovesLinksAndReviewsButKeepsItems) {
  const Rca before = load(published_doc());
  json doc = published_doc();
  doc["status"] = "draft";
  const Rca after = load(doc);
  EXPECT_EQ(sorted(rca_kpi_ops(&before, &after)),
            sorted({
                remove("reviews", member("1")),
                remove("reviews", member("2")),
                link(kIncidentA, -1),
                link(kIncidentB, -1),
            }));
}

TEST(RcaKpiOps, DeletingRemovesEverything) {
  const Rca before = load(published_doc());
  EXPECT_EQ(sorted(rca_kpi_ops(&before, nullptr)),
            sorted({
                count("done|P0|prevent", -1),
                count("in_progress|P1|detect", -1),
                count("open|P2|process", -1),
                remove("items:on_time:P0", member("AI-1")),
                remove("items:open:P1", member("AI-2")),
                remove("items:open:P2", member("AI-3")),
                remove("reviews", member("1")),
                remove("reviews", member("2")),
                link(kIncidentA, -1),
                link(kIncidentB, -1),
            }));
}

TEST(RcaKpiOps, AddingThenDeletingCancelsOut) {
  const Rca rca = load(published_doc());
  // Sum of count deltas and link deltas over create + delete is zero per key; every added
  // entry is removed again.
  std::map<std::string, std::int64_t> counts;
  std::map<std::string, std::int64_t> links;
  std::set<std::pair<std::string, std::string>> entries;
  for (const auto& ops : {rca_kpi_ops(nullptr, &rca), rca_kpi_ops(&rca, nullptr)}) {
    for (const auto& op : ops) {
      switch (op.kind) {
        case KpiOp::Kind::kCount: counts[op.target] += op.delta; break;
        case KpiOp::Kind::kPublishedLink: links[op.target] += op.delta; break;
        case KpiOp::Kind::kIndexAdd: entries.insert({op.target, op.member}); break;
        case KpiOp::Kind::kIndexRemove:
          EXPECT_EQ(entries.erase({op.target, op.member}), 1u) << op.target << " " << op.member;
          break;
        default: ADD_FAILURE() << "unexpected op kind"; break;
      }
    }
  }
  EXPECT_EQ(counts.size(), 3u);
  for (const auto& [key, total] : counts) EXPECT_EQ(total, 0) << key;
  EXPECT_EQ(links.size(), 2u);
  for (const auto& [incident, total] : links) EXPECT_EQ(total, 0) << incident;
  EXPECT_TRUE(entries.empty());
}

// --- incident lifecycle ---------------------------------------------------------------------

/// Applies batches to one source in order, as the Ingestor does, and checks that the update's
/// own kpi_ops are what incident_kpi_ops gives for it.
class Source {
 public:
  explicit Source(IngestConfig config) : config_(std::move(config)) {
    state_.key = source_key_for(firing("x", 0, "").labels, config_.source_labels);
  }

  std::vector<KpiOp> apply(const std::vector<Alert>& alerts) {
    std::set<std::string> known;
    for (const auto& alert : alerts) {
      if (recorded_.count(occurrence_id(alert))) known.insert(occurrence_id(alert));
    }
    const UnixNanos received_at = alerts.empty() ? 0 : alerts.back().starts_at;
    last_ = apply_alerts(state_, alerts, known, received_at, config_);
    state_ = unit::state_after(last_);
    recorded_.insert(last_.new_occurrences.begin(), last_.new_occurrences.end());
    auto ops = incident_kpi_ops(last_.incidents, last_.timeline, config_.postmortem);
    EXPECT_EQ(ops, last_.kpi_ops) << "apply_alerts carries incident_kpi_ops";
    return ops;
  }

  std::string incident_id(std::uint64_t number) const {
    return pmx::incident_id(state_.key.id, number);
  }
  const SourceUpdate& last() const { return last_; }

 private:
  IngestConfig config_;
  SourceState state_;
  std::set<std::string> recorded_;
  SourceUpdate last_;
};

IngestConfig config_due(const std::string& due) {
  IngestConfig config;
  config.postmortem.required_severities = {"critical"};
  config.postmortem.due = *parse_postmortem_due(due);
  return config;
}

TEST(IncidentKpiOps, OpeningAddsToTheOpenedIndex) {
  Source source(config_due("5bd"));
  const UnixNanos opened = at("2026-11-23T07:44:13Z");
  EXPECT_EQ(source.apply({firing("f1", opened, "critical")}),
            std::vector<KpiOp>{add("incidents:opened", source.incident_id(1), opened)});
}

TEST(IncidentKpiOps, ResolvingACriticalIncidentNeedsAPostmortemDueInBusinessDays) {
  Source source(config_due("1bd"));
  source.apply({firing("f1", at("2026-11-27T14:00:00Z"), "critical")});
  // Resolved Friday 2026-11-27 15:00; 1bd -> due Monday 2026-11-30 15:00.
  const auto ops = source.apply(
      {resolved(firing("f1", at("2026-11-27T14:00:00Z"), "critical"), at("2026-11-27T15:00:00Z"))});
  EXPECT_EQ(ops, std::vector<KpiOp>{resolved_needing_postmortem(source.incident_id(1),
                                                                at("2026-11-27T15:00:00Z"),
                                                                at("2026-11-30T15:00:00Z"))});
}

TEST(IncidentKpiOps, DefaultFiveBusinessDays) {
  Source source(config_due("5bd"));
  const UnixNanos opened = at("2026-11-23T07:44:13Z");  // Monday
  source.apply({firing("f1", opened, "critical")});
  const UnixNanos resolved_at = opened + 90 * kSecond;  // Monday 2026-11-23 07:45:43
  const auto ops = source.apply({resolved(firing("f1", opened, "critical"), resolved_at)});
  // + 5bd: Tue, Wed, Thu, Fri, Mon -> Monday 2026-11-30 07:45:43 = resolved_at + 7 days.
  EXPECT_EQ(ops, std::vector<KpiOp>{resolved_needing_postmortem(
                     source.incident_id(1), resolved_at, resolved_at + 7 * kDay)});
}

TEST(IncidentKpiOps, CalendarDueCountsTheWeekend) {
  Source source(config_due("24h"));
  source.apply({firing("f1", at("2026-11-27T14:00:00Z"), "critical")});
  const auto ops = source.apply(
      {resolved(firing("f1", at("2026-11-27T14:00:00Z"), "critical"), at("2026-11-27T15:00:00Z"))});
  // Resolved Friday 15:00 + 24h -> Saturday 2026-11-28 15:00.
  EXPECT_EQ(ops, std::vector<KpiOp>{resolved_needing_postmortem(source.incident_id(1),
                                                                at("2026-11-27T15:00:00Z"),
                                                                at("2026-11-28T15:00:00Z"))});
}

TEST(IncidentKpiOps, ResolveIsAtTheLastAlertsEnd) {
  Source source(config_due("72h"));
  const UnixNanos t0 = at("2026-11-23T07:44:13Z");
  source.apply({firing("f1", t0, "critical"), firing("f2", t0, "warning")});
  // Only f1 resolved: still open, nothing to record.
  EXPECT_TRUE(source.apply({resolved(firing("f1", t0, "critical"), t0 + 60 * kSecond)}).empty());
  // f2 resolves at t0 + 120s: the incident resolves then; due 72h later.
  const auto ops = source.apply({resolved(firing("f2", t0, "warning"), t0 + 120 * kSecond)});
  EXPECT_EQ(ops, std::vector<KpiOp>{resolved_needing_postmortem(
                     source.incident_id(1), t0 + 120 * kSecond, t0 + 120 * kSecond + 72 * kHour)});
}

TEST(IncidentKpiOps, ResolvingWithoutARequiredSeverityNeedsNone) {
  const UnixNanos t0 = at("2026-11-23T07:44:13Z");
  for (const std::string severity : {"", "warning"}) {
    Source source(config_due("5bd"));
    source.apply({firing("f1", t0, severity)});
    const auto ops = source.apply({resolved(firing("f1", t0, severity), t0 + 60 * kSecond)});
    EXPECT_TRUE(ops.empty()) << "severity '" << severity << "'";
    // The incident did resolve: only the KPI op is absent.
    EXPECT_EQ(source.last().counts.resolved, 1u);
  }
}

TEST(IncidentKpiOps, PolicyWithAnotherRequiredSeverity) {
  IngestConfig config = config_due("5bd");
  config.postmortem.required_severities = {"page"};
  const UnixNanos t0 = at("2026-11-23T07:44:13Z");
  Source critical(config);
  critical.apply({firing("f1", t0, "critical")});
  EXPECT_TRUE(critical.apply({resolved(firing("f1", t0, "critical"), t0 + 60 * kSecond)}).empty());

  Source page(config);
  page.apply({firing("f1", t0, "page")});
  const auto ops = page.apply({resolved(firing("f1", t0, "page"), t0 + 60 * kSecond)});
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, KpiOp::Kind::kResolvedNeedingPostmortem);
}

TEST(IncidentKpiOps, RefireInsideTheReopenWindowReopens) {
  Source source(config_due("5bd"));  // reopen window: 5 minutes
  const UnixNanos t0 = at("2026-11-23T07:44:13Z");
  source.apply({firing("f1", t0, "critical")});
  source.apply({resolved(firing("f1", t0, "critical"), t0 + 60 * kSecond)});
  // Fires again 6 s after it resolved (60 s + 6 s): same incident, open again.
  const auto ops = source.apply({firing("f1", t0 + 66 * kSecond, "critical")});
  EXPECT_EQ(ops, std::vector<KpiOp>{reopened(source.incident_id(1))});
  // And its next resolution needs a post-mortem again, due from the new resolution.
  const UnixNanos again = t0 + 200 * kSecond;
  EXPECT_EQ(source.apply({resolved(firing("f1", t0 + 66 * kSecond, "critical"), again)}),
            std::vector<KpiOp>{resolved_needing_postmortem(source.incident_id(1), again,
                                                           again + 7 * kDay)});
}

TEST(IncidentKpiOps, RepeatJoinsTheRepeatsIndexAndAlwaysNeedsAPostmortem) {
  Source source(config_due("5bd"));
  const UnixNanos t0 = at("2026-11-23T07:44:13Z");
  // A first incident without severity: opened and resolved, no post-mortem needed.
  source.apply({firing("f1", t0, "")});
  EXPECT_TRUE(source.apply({resolved(firing("f1", t0, ""), t0 + 60 * kSecond)}).empty());
  // The same source a day later (outside the 5 min reopen window, inside the 180d repeat
  // window): incident 2, a repeat.
  const UnixNanos t1 = t0 + kDay;  // Tuesday 2026-11-24 07:44:13
  EXPECT_EQ(sorted(source.apply({firing("f1", t1, "")})),
            sorted({add("incidents:opened", source.incident_id(2), t1),
                    add("incidents:repeats", source.incident_id(2), t1)}));
  ASSERT_TRUE(source.last().state.current->repeat.has_value());
  // Resolved Tuesday 07:54:13 without any severity: a repeat needs one anyway,
  // + 5bd (Wed, Thu, Fri, Mon, Tue) -> Tuesday 2026-12-01 07:54:13.
  const UnixNanos resolved_at = t1 + 600 * kSecond;
  EXPECT_EQ(source.apply({resolved(firing("f1", t1, ""), resolved_at)}),
            std::vector<KpiOp>{resolved_needing_postmortem(source.incident_id(2), resolved_at,
                                                           at("2026-12-01T07:54:13Z"))});
}

TEST(IncidentKpiOps, OneBatchResolvingOneIncidentAndOpeningTheNext) {
  Source source(config_due("5bd"));
  const UnixNanos t0 = at("2026-11-23T07:44:13Z");
  source.apply({firing("f1", t0, "critical")});
  // One batch: f1 resolves at t0 + 60 s, then fires again an hour later (past the reopen
  // window): incident 1 resolves, incident 2 opens as a repeat.
  const UnixNanos t1 = t0 + kHour;
  const auto ops = source.apply({resolved(firing("f1", t0, "critical"), t0 + 60 * kSecond),
                                 firing("f1", t1, "critical")});
  ASSERT_EQ(source.last().incidents.size(), 2u);
  EXPECT_EQ(sorted(ops),
            sorted({resolved_needing_postmortem(source.incident_id(1), t0 + 60 * kSecond,
                                                t0 + 60 * kSecond + 7 * kDay),
                    add("incidents:opened", source.incident_id(2), t1),
                    add("incidents:repeats", source.incident_id(2), t1)}));
}

TEST(IncidentKpiOps, TimelineOfAnIncidentNotInTheUpdateIsSkipped) {
  // Only RCA entries (e.g. an RCA linked to an incident this update did not touch).
  std::map<std::string, std::vector<TimelineEvent>> timeline;
  timeline["other-1"].push_back(TimelineEvent{TimelineEventType::kOpened, 5, 5, "", ""});
  timeline["other-1"].push_back(TimelineEvent{TimelineEventType::kResolved, 6, 6, "", ""});
  Incident repeat;
  repeat.id = "checkout-1";
  repeat.repeat = RepeatInfo{};
  EXPECT_TRUE(incident_kpi_ops({repeat}, timeline, PostmortemPolicy{}).empty());
  // Events that are no lifecycle step give no ops either.
  timeline.clear();
  timeline["checkout-1"].push_back(TimelineEvent{TimelineEventType::kRcaLinked, 7, 7, "", ""});
  timeline["checkout-1"].push_back(TimelineEvent{TimelineEventType::kAlertFired, 8, 8, "f", ""});
  EXPECT_TRUE(incident_kpi_ops({repeat}, timeline, PostmortemPolicy{}).empty());
}

// --- kpi_ranges and kpi_values --------------------------------------------------------------

/// The counts, in the order of kpi_ranges(), under the names of those ranges.
KpiCounts named(const std::vector<std::int64_t>& counts) {
  const auto ranges = kpi_ranges(0, KpiWindows{});
  EXPECT_EQ(counts.size(), ranges.size());
  KpiCounts named;
  for (std::size_t i = 0; i < counts.size() && i < ranges.size(); ++i)
    named[ranges[i].name] = counts[i];
  return named;
}

KpiValues values_of(const KpiCounts& counts) {
  const auto values = kpi_values(counts);
  EXPECT_TRUE(values.ok()) << values.error().message();
  return values ? *values : KpiValues{};
}

void expect_range(const KpiRange& range, const std::string& index, UnixNanos from, UnixNanos to) {
  EXPECT_EQ(range.index, index);
  EXPECT_EQ(range.from, from) << index;
  EXPECT_EQ(range.to, to) << index;
}

void expect_ratio(const std::optional<double>& ratio, double expected) {
  ASSERT_TRUE(ratio.has_value());
  EXPECT_DOUBLE_EQ(*ratio, expected);
}

TEST(KpiRanges, OrderAndBoundsWithDefaultWindows) {
  const UnixNanos now = at("2026-11-23T07:44:13Z");
  const UnixNanos kpi_start = now - 28 * kDay;      // --kpi.window 28d
  const UnixNanos repeat_start = now - 180 * kDay;  // --incident.repeat-window 180d
  const auto ranges = kpi_ranges(now, KpiWindows{});
  ASSERT_EQ(ranges.size(), 23u);  // 4 priorities * 4 + 7
  const char* priorities[] = {"P0", "P1", "P2", "P3"};
  for (int p = 0; p < 4; ++p) {
    SCOPED_TRACE(priorities[p]);
    const std::string suffix = priorities[p];
    expect_range(ranges[4 * p + 0], "items:open:" + suffix, kMinusInfinity, now);  // overdue
    expect_range(ranges[4 * p + 1], "items:on_time:" + suffix, kpi_start, now);
    expect_range(ranges[4 * p + 2], "items:late:" + suffix, kpi_start, now);
    expect_range(ranges[4 * p + 3], "items:open:" + suffix, kpi_start, now);  // past due, in window
  }
  expect_range(ranges[16], "incidents:opened", repeat_start, kPlusInfinity);
  expect_range(ranges[17], "incidents:repeats", repeat_start, kPlusInfinity);
  expect_range(ranges[18], "postmortem:awaiting", kMinusInfinity, kPlusInfinity);
  expect_range(ranges[19], "postmortem:awaiting", kMinusInfinity, now);
  expect_range(ranges[20], "postmortem:needed", kpi_start, kPlusInfinity);
  expect_range(ranges[21], "postmortem:covered", kpi_start, kPlusInfinity);
  expect_range(ranges[22], "reviews", kMinusInfinity, now);
}

TEST(KpiRanges, WindowsMoveTheStarts) {
  const UnixNanos now = at("2026-11-23T07:44:13Z");
  KpiWindows windows;
  windows.kpi = 7 * kDay;
  windows.repeat = 30 * kDay;
  const auto ranges = kpi_ranges(now, windows);
  ASSERT_EQ(ranges.size(), 23u);
  expect_range(ranges[5], "items:on_time:P1", now - 7 * kDay, now);
  expect_range(ranges[16], "incidents:opened", now - 30 * kDay, kPlusInfinity);
  expect_range(ranges[20], "postmortem:needed", now - 7 * kDay, kPlusInfinity);
}

TEST(KpiValues, FiguresAndRatiosFromCounts) {
  std::vector<std::int64_t> counts = {
      // P0: overdue 7, on time 3, late 1, open past due in window 1 -> 3 / (3 + 1 + 1) = 0.6
      // (the overdue count outside the window is not in the ratio).
      7, 3, 1, 1,
      // P1: nothing due in the window -> no ratio.
      0, 0, 0, 0,
      // P2: overdue 2, only late items -> 0 / (0 + 2 + 0) = 0, present.
      2, 0, 2, 0,
      // P3: all on time -> 4 / 4 = 1.
      0, 4, 0, 0,
      // opened 8, repeats 2 -> 2 / 8 = 0.25
      8, 2,
      // awaiting 5, of which 3 past due
      5, 3,
      // needed 4, covered 3 -> 3 / 4 = 0.75
      4, 3,
      // reviews due 6
      6,
  };
  ASSERT_EQ(counts.size(), kpi_ranges(0, KpiWindows{}).size());
  const KpiValues values = values_of(named(counts));
  EXPECT_EQ(values.priorities[0].overdue, 7);
  expect_ratio(values.priorities[0].on_time_ratio, 0.6);
  EXPECT_EQ(values.priorities[1].overdue, 0);
  EXPECT_FALSE(values.priorities[1].on_time_ratio.has_value());
  EXPECT_EQ(values.priorities[2].overdue, 2);
  expect_ratio(values.priorities[2].on_time_ratio, 0.0);
  EXPECT_EQ(values.priorities[3].overdue, 0);
  expect_ratio(values.priorities[3].on_time_ratio, 1.0);
  expect_ratio(values.repeat_ratio, 0.25);
  EXPECT_EQ(values.awaiting, 5);
  EXPECT_EQ(values.awaiting_overdue, 3);
  expect_ratio(values.coverage_ratio, 0.75);
  EXPECT_EQ(values.reviews_due, 6);
}

TEST(KpiValues, RatiosAreAbsentWhenTheirDenominatorIsZero) {
  std::vector<std::int64_t> counts(23, 0);
  // Numerators without denominators (a store mid-update): absence follows the denominator.
  counts[17] = 1;  // repeats, with no incident opened (counts[16] = 0)
  counts[21] = 1;  // covered, with none needed (counts[20] = 0)
  counts[18] = 2;  // awaiting: a plain count, fine at any value
  const KpiValues values = values_of(named(counts));
  for (const auto& priority : values.priorities) {
    EXPECT_EQ(priority.overdue, 0);
    EXPECT_FALSE(priority.on_time_ratio.has_value());
  }
  EXPECT_FALSE(values.repeat_ratio.has_value());
  EXPECT_FALSE(values.coverage_ratio.has_value());
  EXPECT_EQ(values.awaiting, 2);
  EXPECT_EQ(values.awaiting_overdue, 0);
  EXPECT_EQ(values.reviews_due, 0);

  // Only the overdue count of a priority (outside the ratio) still gives no ratio.
  counts[4] = 9;
  const KpiValues overdue_only = values_of(named(counts));
  EXPECT_EQ(overdue_only.priorities[1].overdue, 9);
  EXPECT_FALSE(overdue_only.priorities[1].on_time_ratio.has_value());
}

TEST(KpiRanges, EveryRangeHasItsOwnName) {
  std::set<std::string> names;
  for (const auto& range : kpi_ranges(0, KpiWindows{})) {
    EXPECT_FALSE(range.name.empty()) << range.index;
    EXPECT_TRUE(names.insert(range.name).second) << "two ranges named " << range.name;
  }
}

// A store that answers fewer counts than asked must not export figures made of zeros: every
// missing count is an error naming its range, wherever it stands in the list.
TEST(KpiValues, AMissingCountIsAnErrorNotAZero) {
  const KpiCounts all = named(std::vector<std::int64_t>(kpi_ranges(0, KpiWindows{}).size(), 1));
  ASSERT_TRUE(kpi_values(all).ok());
  for (const auto& [name, count] : all) {
    KpiCounts counts = all;
    counts.erase(name);
    const auto values = kpi_values(counts);
    ASSERT_FALSE(values.ok()) << name;
    EXPECT_EQ(values.error().code, ErrorCode::kCorrupt) << name;
    EXPECT_NE(values.error().detail.find(name), std::string::npos) << values.error().detail;
  }
  EXPECT_FALSE(kpi_values({}).ok());
}

// Counts come back by name: the order in which a store lists them does not matter, and a
// count no range asked for changes nothing.
TEST(KpiValues, CountsAreReadByNameNotByPosition) {
  KpiCounts counts = named(std::vector<std::int64_t>(kpi_ranges(0, KpiWindows{}).size(), 0));
  counts[kpi_range::kOpened] = 4;
  counts[kpi_range::kRepeats] = 1;
  counts["some_future_range"] = 99;
  const KpiValues values = values_of(counts);
  expect_ratio(values.repeat_ratio, 0.25);
  EXPECT_EQ(values.awaiting, 0);
  EXPECT_EQ(values.reviews_due, 0);
}

/// A scrape end to end: members of a few indices, counted over kpi_ranges() the way a store
/// does (from <= time < to), turned into figures by kpi_values().
TEST(KpiValues, ScrapeOverKpiRanges) {
  const UnixNanos now = at("2026-11-23T07:44:13Z");
  const std::map<std::string, std::vector<UnixNanos>> indices = {
      // P1 open items: due 40 days ago (overdue, outside the 28d window), 3 days ago (overdue,
      // in the window), exactly now (not yet overdue: overdue *after* due_at), in 5 days.
      {"items:open:P1", {now - 40 * kDay, now - 3 * kDay, now, now + 5 * kDay}},
      // P1 done on time: due 10 and 2 days ago (in the window), 40 days ago (outside), due in
      // 3 days (not yet due: not counted).
      {"items:on_time:P1", {now - 10 * kDay, now - 2 * kDay, now - 40 * kDay, now + 3 * kDay}},
      {"items:late:P1", {now - 1 * kDay}},
      // Incidents opened 200 days ago (outside 180d), 100 days ago, yesterday, now.
      {"incidents:opened", {now - 200 * kDay, now - 100 * kDay, now - kDay, now}},
      {"incidents:repeats", {now - 200 * kDay, now - kDay}},
      // Awaiting a post-mortem, by due date: one past due, one due in 2 days.
      {"postmortem:awaiting", {now - kDay, now + 2 * kDay}},
      // Needing one, by resolution: 30 days ago (outside 28d), 5 days ago, yesterday.
      {"postmortem:needed", {now - 30 * kDay, now - 5 * kDay, now - kDay}},
      {"postmortem:covered", {now - 30 * kDay, now - 5 * kDay}},
      {"reviews", {now - kDay, now + 10 * kDay}},
  };
  KpiCounts counts;
  for (const auto& range : kpi_ranges(now, KpiWindows{})) {
    std::int64_t n = 0;
    const auto members = indices.find(range.index);
    if (members != indices.end()) {
      for (const UnixNanos t : members->second) n += (range.from <= t && t < range.to) ? 1 : 0;
    }
    counts[range.name] = n;
  }
  const KpiValues values = values_of(counts);
  // P1: overdue = {-40d, -3d} = 2; on time in window = 2, late = 1, open past due in window
  // = {-3d} = 1 -> 2 / (2 + 1 + 1) = 0.5.
  EXPECT_EQ(values.priorities[1].overdue, 2);
  expect_ratio(values.priorities[1].on_time_ratio, 0.5);
  // Other priorities: nothing.
  EXPECT_EQ(values.priorities[0].overdue, 0);
  EXPECT_FALSE(values.priorities[0].on_time_ratio.has_value());
  // Opened in 180d: {-100d, -1d, now} = 3; repeats: {-1d} = 1 -> 1/3.
  expect_ratio(values.repeat_ratio, 1.0 / 3.0);
  EXPECT_EQ(values.awaiting, 2);
  EXPECT_EQ(values.awaiting_overdue, 1);
  // Needed in 28d: {-5d, -1d} = 2; covered: {-5d} = 1 -> 0.5.
  expect_ratio(values.coverage_ratio, 0.5);
  EXPECT_EQ(values.reviews_due, 1);
}

}  // namespace
}  // namespace pmx
