// The digest as Markdown: a KPI table against the guides' targets, then the post-mortems, the
// repeats, the action items and the incidents still awaiting a post-mortem. The daemon's own
// words are written as is; every value from an RCA or an alert goes through markdown_escape.h.
#include <cmath>
#include <sstream>

#include "markdown_escape.h"
#include "pmx/core/digest.h"
#include "pmx/core/repeat.h"
#include "report_text.h"

namespace pmx {
namespace {

using Out = std::ostringstream;

std::string percent(double ratio) { return std::to_string(std::lround(ratio * 100)) + " %"; }

/// `67 % (2 of 3 <what>)`, or `— (none <what>)`.
std::string ratio_text(const DigestRatio& ratio, const std::string& what) {
  const auto value = ratio.ratio();
  if (!value) return "— (no " + what + ")";
  return percent(*value) + " (" + std::to_string(ratio.part) + " of " +
         std::to_string(ratio.whole) + " " + what + ")";
}

/// met / **missed** against a minimum share, "—" when there is nothing to judge.
std::string verdict(std::optional<bool> met) {
  if (!met) return "—";
  return *met ? "met" : "**missed**";
}

std::optional<bool> at_least(const DigestRatio& ratio, double target) {
  const auto value = ratio.ratio();
  if (!value) return std::nullopt;
  return *value >= target;
}

/// `1 repeat`, `2 repeats`, `0 ineffective fixes`.
std::string counted(std::size_t n, const std::string& noun) {
  const bool sibilant = noun.back() == 'x' || noun.back() == 's';
  return std::to_string(n) + " " + noun + (n == 1 ? "" : sibilant ? "es" : "s");
}

std::string code(const std::string& text) { return "`" + markdown_code(text) + "`"; }

std::string owner_text(const std::string& owner) {
  return owner.empty() ? "_(no owner)_" : markdown_inline(owner);
}

void kpi_table(Out& out, const Digest& digest) {
  const DigestKpis& k = digest.kpis;
  const DigestTargets& t = digest.targets;
  out << "| KPI | This period | Target | |\n|---|---|---|---|\n";
  const auto row = [&out](const std::string& kpi, const std::string& value,
                          const std::string& target, const std::string& status) {
    out << "| " << kpi << " | " << value << " | " << target << " | " << status << " |\n";
  };
  std::string within = ratio_text(k.within_four_weeks, "incidents needing one");
  if (k.within_four_weeks_pending > 0) {
    within += "; " + std::to_string(k.within_four_weeks_pending) + " still inside their 4 weeks";
  }
  row("Post-mortems within 4 weeks of resolution", within, "≥ " + percent(t.within_four_weeks),
      verdict(at_least(k.within_four_weeks, t.within_four_weeks)));
  row("P0/P1 action items done on time", ratio_text(k.p0_p1_on_time, "items due"),
      "≥ " + percent(t.p0_p1_on_time), verdict(at_least(k.p0_p1_on_time, t.p0_p1_on_time)));
  std::string time = "— (none published)";
  if (k.time_to_postmortem_median) {
    time = "median " + human_duration(*k.time_to_postmortem_median) + ", p90 " +
           human_duration(*k.time_to_postmortem_p90) + "; " +
           std::to_string(k.time_to_postmortem_within_due.part) + " of " +
           std::to_string(k.time_to_postmortem_within_due.whole) + " by their deadline";
  }
  // The median post-mortem was on time when at least half were.
  std::optional<bool> time_met;
  if (k.time_to_postmortem_within_due.whole > 0) {
    time_met = k.time_to_postmortem_within_due.part * 2 >= k.time_to_postmortem_within_due.whole;
  }
  row("Time to post-mortem (resolution → published)", time, "median ≤ " + t.postmortem_due,
      verdict(time_met));
  std::string items = "— (none published)";
  std::optional<bool> items_met;
  if (const auto mean = k.mean_items()) {
    items = number_text(*mean) + " (" + std::to_string(k.items_per_postmortem.part) + " in " +
            std::to_string(k.items_per_postmortem.whole) + " post-mortems; " +
            std::to_string(k.postmortems_outside_item_target) + " outside " +
            std::to_string(t.min_items) + "–" + std::to_string(t.max_items) + ")";
    items_met = *mean >= t.min_items && *mean <= t.max_items;
  }
  row("Action items per post-mortem", items,
      std::to_string(t.min_items) + "–" + std::to_string(t.max_items), verdict(items_met));
  row("Post-mortem coverage", ratio_text(k.coverage, "incidents needing one"), "—", "");
  row("Repeat rate", ratio_text(k.repeats, "incidents opened"), "— (lower is better)", "");

  out << "\nAction items done by their due date, of those due in the period:\n\n"
         "| Priority | On time |\n|---|---|\n";
  for (const Priority p : {Priority::kP0, Priority::kP1, Priority::kP2, Priority::kP3}) {
    out << "| " << to_string(p) << " | "
        << ratio_text(k.on_time[static_cast<std::size_t>(p)], "items due") << " |\n";
  }
}

void postmortems(Out& out, const Digest& digest) {
  out << "\n## Post-mortems published (" << digest.postmortems.size() << ")\n";
  if (digest.postmortems.empty()) out << "\n_None published in this period._\n";
  for (const auto& pm : digest.postmortems) {
    out << "\n### " << markdown_inline(pm.title) << " (" << code(pm.id) << ")\n\n"
        << "Published " << format_date(pm.published_at);
    if (!pm.severity.empty()) out << " · severity " << markdown_inline(pm.severity);
    if (!pm.incidents.empty()) {
      std::vector<std::string> ids;
      for (const auto& id : pm.incidents) ids.push_back(code(id));
      out << " · incidents " << join(ids, ", ");
    }
    out << " · " << pm.action_items << " action items, " << pm.open_action_items << " open\n\n"
        << "**Root cause:** "
        << (pm.root_cause.empty() ? "_not stated_" : markdown_inline(pm.root_cause)) << "\n\n"
        << "**Lessons learned:**" << (pm.lessons_learned.empty() ? " _none recorded_\n" : "\n\n");
    for (const auto& lesson : pm.lessons_learned) out << "- " << markdown_inline(lesson) << "\n";
    if (!pm.warnings.empty()) {
      out << "\n**Action item warnings:**\n\n";
      for (const auto& warning : pm.warnings) out << "- " << markdown_inline(warning) << "\n";
    }
  }
}

void repeats(Out& out, const Digest& digest) {
  std::size_t ineffective = 0;
  for (const auto& r : digest.repeats) ineffective += r.ineffective_fix ? 1 : 0;
  out << "\n## Repeats and ineffective fixes (" << counted(digest.repeats.size(), "repeat") << ", "
      << counted(ineffective, "ineffective fix") << ")\n\n";
  if (digest.repeats.empty()) {
    out << "_No repeat opened in this period._\n";
    return;
  }
  out << "An ineffective fix is a repeat whose earlier RCAs had every action item closed before it "
         "opened: the fix did not hold.\n\n"
         "| Incident | Source | Opened | Repeat | Earlier RCAs | Items open then | Ineffective fix "
         "|\n"
         "|---|---|---|---|---|---|---|\n";
  for (const auto& r : digest.repeats) {
    std::vector<std::string> rcas;
    for (const auto& rca : r.rcas)
      rcas.push_back(markdown_inline(rca.title) + " (" + code(rca.id) + ")");
    std::string fix = "no";
    if (r.ineffective_fix) {
      fix = "**yes**";
      if (!r.fixed_types.empty())
        fix += " (done: " + markdown_inline(join(r.fixed_types, ", ")) + ")";
    }
    out << "| " << code(r.incident) << " | " << markdown_inline(r.source) << " | "
        << stamp(r.opened_at) << " | " << ordinal(r.ordinal) << " | "
        << (rcas.empty() ? "none" : join(rcas, ", ")) << " | " << r.open_action_items << " | "
        << fix << " |\n";
  }
}

void item_table(Out& out, const std::vector<DigestItem>& items, const char* last_column,
                std::string (*last)(const DigestItem&)) {
  if (items.empty()) {
    out << "_None._\n";
    return;
  }
  out << "| Owner | Item | RCA | Priority | Due | Status | " << last_column
      << " |\n|---|---|---|---|---|---|---|\n";
  for (const auto& i : items) {
    out << "| " << owner_text(i.item.owner) << " | " << code(i.item.id) << " "
        << markdown_inline(i.item.title) << " | " << code(i.rca) << " "
        << markdown_inline(i.rca_title) << " | " << to_string(i.item.priority) << " | "
        << markdown_inline(i.item.due) << " | " << to_string(i.item.status) << " | " << last(i)
        << " |\n";
  }
}

void action_items(Out& out, const Digest& digest) {
  out << "\n## Action items\n\n";
  if (digest.owners.empty()) {
    out << "_No action item was completed, due or overdue in this period._\n";
  } else {
    out << "| Owner | Completed | Slipped | Still overdue |\n|---|---|---|---|\n";
    for (const auto& o : digest.owners) {
      out << "| " << owner_text(o.owner) << " | " << o.completed << " | " << o.slipped << " | "
          << o.overdue << " |\n";
    }
  }
  out << "\n### Completed in the period (" << digest.completed.size() << ")\n\n";
  item_table(out, digest.completed, "Completed", [](const DigestItem& i) {
    const std::string when = format_date(*i.item.completed_at);
    return i.late_by > 0 ? when + ", " + human_duration(i.late_by) + " late" : when + ", on time";
  });
  out << "\n### Slipped (" << digest.slipped.size()
      << "): due in the period, not done by their due date\n\n";
  item_table(out, digest.slipped, "Late by",
             [](const DigestItem& i) { return human_duration(i.late_by); });
  out << "\n### Still overdue as of " << stamp(digest.as_of) << " (" << digest.overdue.size()
      << "), by owner, oldest first\n\n";
  item_table(out, digest.overdue, "Overdue by",
             [](const DigestItem& i) { return human_duration(i.late_by); });
}

void awaiting(Out& out, const Digest& digest) {
  out << "\n## Awaiting a post-mortem (" << digest.awaiting.size() << ")\n\n";
  if (digest.awaiting.empty()) {
    out << "_Every incident resolved in the period that needs a post-mortem has one._\n";
    return;
  }
  out << "Resolved in the period, needing a post-mortem, with no published or waived RCA yet.\n\n"
         "| Incident | Source | Resolved | Due | |\n|---|---|---|---|---|\n";
  for (const auto& a : digest.awaiting) {
    out << "| " << code(a.incident) << " | " << markdown_inline(a.source) << " | "
        << stamp(a.resolved_at) << " | " << stamp(a.due_at) << " | "
        << (a.due_at <= digest.now ? "**overdue**" : "") << " |\n";
  }
}

}  // namespace

std::string digest_markdown(const Digest& digest) {
  Out out;
  const auto [from, to] = digest.period;
  out << "# Post-mortem digest: " << format_date(from) << " to " << format_date(to - 1) << "\n\n"
      << "Period " << stamp(from) << " to " << stamp(to)
      << " (UTC, its end excluded); figures as of " << stamp(digest.as_of) << ", written "
      << stamp(digest.now) << ". Definitions: README, \"The monthly digest\".\n";
  if (!digest.incomplete.empty()) {
    out << "\n> **Incomplete:** " << markdown_inline(digest.incomplete) << "\n";
  }
  out << "\n## KPIs\n\n";
  kpi_table(out, digest);
  postmortems(out, digest);
  repeats(out, digest);
  action_items(out, digest);
  awaiting(out, digest);
  return out.str();
}

}  // namespace pmx
