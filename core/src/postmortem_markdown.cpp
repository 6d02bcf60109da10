#include "pmx/core/postmortem_markdown.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include "incident_text.h"
#include "item_edits.h"
#include "markdown_escape.h"
#include "pmx/core/follow_up_reviews.h"
#include "pmx/core/rca_loader.h"
#include "pmx/core/repeat.h"
#include "report_text.h"

namespace pmx {
namespace {

using nlohmann::json;

/// The document of the RCA, or null when none is linked.
const json& document_of(const Rca* rca) {
  static const json kNone;
  return rca ? rca->document : kNone;
}

// --- sections ---

using Out = std::ostringstream;

void heading(Out& out, const char* title) { out << "\n## " << title << "\n\n"; }
void todo(Out& out, const std::string& prompt) { out << "_TODO: " << prompt << "_\n"; }

void list_or_todo(Out& out, const std::vector<std::string>& items, const std::string& prompt,
                  bool numbered = false) {
  if (items.empty()) return todo(out, prompt);
  for (std::size_t i = 0; i < items.size(); ++i) {
    out << (numbered ? std::to_string(i + 1) + ". " : std::string("- ")) << items[i] << "\n";
  }
}

/// A section holding the text of the document's `key` (on one line if `flat`), else a prompt.
void text_section(Out& out, const char* title, const json& doc, const char* key,
                  const std::string& prompt, bool flat = false) {
  heading(out, title);
  const std::string text = text_of(doc, key);
  if (text.empty()) return todo(out, prompt);
  out << (flat ? markdown_inline(text) : markdown_block(text)) << "\n";
}

/// A section listing the document's `key` (a list of texts), else a prompt.
void list_section(Out& out, const char* title, const json& doc, const char* key,
                  const std::string& prompt, bool numbered = false) {
  heading(out, title);
  std::vector<std::string> items = list_of(doc, key);
  for (auto& item : items) item = markdown_inline(item);
  list_or_todo(out, items, prompt, numbered);
}

/// When the impact began: the RCA's `impact_started_at`, else its earliest timeline entry.
struct ImpactStart {
  UnixNanos at = 0;
  const char* basis = "";
};

std::optional<ImpactStart> impact_start(const json& doc) {
  if (const auto at = rca_date_time(text_of(doc, "impact_started_at"))) {
    return ImpactStart{*at, "impact_started_at"};
  }
  std::optional<ImpactStart> earliest;
  const json* entries = member(doc, "timeline");
  for (const auto& entry : entries && entries->is_array() ? *entries : json::array()) {
    const auto at = rca_date_time(text_of(entry, "time"));
    if (at && (!earliest || *at < earliest->at))
      earliest = ImpactStart{*at, "earliest timeline entry"};
  }
  return earliest;
}

/// Detection is impact start → the first alert's startsAt (the guides' detection gap), not the
/// notification delay (startsAt → webhook: Alertmanager's group_wait and routing).
std::string detection_gap(const Incident& incident, const json& doc) {
  const auto start = impact_start(doc);
  if (!start) {
    return "_TODO: set impact_started_at (or a timeline entry) to measure impact → first alert_";
  }
  std::string text = incident.opened_at >= start->at
                         ? human_duration(incident.opened_at - start->at) + " after impact started"
                         : "none: the alert fired " +
                               human_duration(start->at - incident.opened_at) + " before impact";
  if (text_of(doc, "detected_by") == "customer") text += "; **customer before monitoring**";
  return text;
}

/// The alerts' severities, and the RCA's grading where it says something else.
std::string severity_text(const Incident& incident, const Rca* rca) {
  std::vector<std::string> alerts(incident.severities.begin(), incident.severities.end());
  if (alerts.empty() && !label_of(incident, "severity").empty()) {
    alerts.push_back(label_of(incident, "severity"));
  }
  const std::string graded = rca ? rca->severity : "";
  std::string text = markdown_inline(join(alerts, ", "));
  if (!graded.empty() && !incident.severities.count(graded)) {
    text += (text.empty() ? "" : "; ") + std::string("RCA grades it ") + markdown_inline(graded);
  }
  return text.empty() ? "_TODO: severity_" : text;
}

std::string people(const json& doc, const char* key, const char* prompt) {
  std::vector<std::string> names = list_of(doc, key);
  if (names.empty() && !text_of(doc, key).empty()) names.push_back(text_of(doc, key));
  return names.empty() ? std::string("_TODO: ") + prompt + "_" : markdown_inline(join(names, ", "));
}

void metadata(Out& out, const Incident& incident, const Rca* rca, UnixNanos now) {
  const auto row = [&out](const std::string& field, const std::string& value) {
    out << "| " << field << " | " << value << " |\n";
  };
  const json& doc = document_of(rca);
  const auto start = impact_start(doc);
  out << "| Field | Value |\n|---|---|\n";
  row("Incident", "`" + markdown_code(incident.id) + "`");
  row("Source", markdown_inline(incident.source));
  row("State", to_string(incident.state));
  row("Severity", severity_text(incident, rca));
  row("Impact started", start ? stamp(start->at) + " (" + start->basis + ")"
                              : "_TODO: when did users start to notice? (impact_started_at)_");
  row("Opened (Alertmanager startsAt)", stamp(incident.opened_at));
  row("Detection gap", detection_gap(incident, doc));
  row("First notification received", stamp(incident.opened_received_at));
  row("Notification delay", human_duration(incident.opened_received_at - incident.opened_at) +
                                " (startsAt → webhook: Alertmanager group_wait and routing)");
  if (incident.resolved_at) {
    row("Resolved", stamp(*incident.resolved_at));
    row("Duration (MTTR)", human_duration(*incident.resolved_at - incident.opened_at));
  } else {
    row("Resolved", "— (still open)");
    row("Duration (MTTR)", human_duration(now - incident.opened_at) + " so far (still open)");
  }
  row("Reopened",
      std::to_string(incident.reopened) + (incident.reopened == 1 ? " time" : " times"));
  row("Occurrences", std::to_string(incident.occurrences));
  std::string status = "draft (no RCA linked yet)";
  if (rca) {
    status = std::string(to_string(rca->status)) + " (RCA `" + markdown_code(rca->id) + "`)";
    if (rca->status == RcaStatus::kWaived) {
      status += ": " + markdown_inline(text_of(doc, "waiver_reason"));
    }
  }
  row("Post-mortem status", status);
  row("Incident commander", people(doc, "incident_commander", "who led the response"));
  row("Post-mortem owner", people(doc, "owner", "who writes it and sees it published"));
  row("Facilitator", people(doc, "facilitator", "who runs the review meeting"));
  row("Authors", people(doc, "authors", "who writes this post-mortem"));
  row("Reviewers", people(doc, "reviewers", "who reviews it"));
}

void impact(Out& out, const json& doc) {
  const json& impact = member(doc, "impact") ? *member(doc, "impact") : document_of(nullptr);
  const auto number = [&impact](const char* key, double scale = 1) -> std::optional<std::string> {
    const json* v = member(impact, key);
    if (!v || !v->is_number()) return std::nullopt;
    return number_text(v->get<double>() * scale);
  };
  std::vector<std::string> lines;
  if (auto n = number("users_affected")) lines.push_back("Users affected: " + *n);
  if (auto n = number("revenue_loss")) {
    lines.push_back("Revenue lost: " + *n + " " + markdown_inline(text_of(impact, "currency")));
  }
  if (const json* v = member(impact, "sla_breached"); v && v->is_boolean()) {
    lines.push_back(std::string("SLA breached: ") + (v->get<bool>() ? "yes" : "no"));
  }
  if (auto n = number("error_budget_consumed_ratio", 100)) {
    lines.push_back("Error budget consumed: " + *n + "%");
  }
  if (auto n = number("support_tickets")) lines.push_back("Support tickets: " + *n);
  if (!text_of(impact, "description").empty()) {
    lines.push_back(markdown_inline(text_of(impact, "description")));
  }
  list_or_todo(out, lines,
               "who and what was hurt, and how much: users affected, revenue lost, SLA breached, "
               "error budget consumed, support tickets.");
}

struct TimelineRow {
  std::optional<UnixNanos> at;  ///< nullopt: an RCA entry whose time does not parse (sorted last)
  std::string time, received, event, source;
};

void timeline_table(Out& out, const Incident& incident, const std::vector<TimelineEvent>& events,
                    const json& doc) {
  std::vector<TimelineRow> rows;
  std::optional<std::size_t> gap_row;
  for (const auto& event : collapse_item_edits(events)) {
    if (!gap_row && event.type == TimelineEventType::kOpened && event.at == incident.opened_at) {
      gap_row = rows.size();
    }
    rows.push_back({event.at, stamp(event.at), stamp(event.received_at),
                    markdown_inline(event_text(incident, event)), "postmortem-exporter"});
  }
  if (gap_row && impact_start(doc)) {
    rows[*gap_row].event += " **← detection gap: " + detection_gap(incident, doc) + "**";
  }
  const json* entries = member(doc, "timeline");
  const std::size_t rca_entries = entries && entries->is_array() ? entries->size() : 0;
  for (std::size_t i = 0; i < rca_entries; ++i) {
    const json& entry = (*entries)[i];
    const std::string time = text_of(entry, "time");
    const std::optional<UnixNanos> at = rca_date_time(time);
    const std::string source = text_of(entry, "source");
    rows.push_back({at, at ? stamp(*at) : markdown_inline(time), "—",
                    markdown_inline(text_of(entry, "event")),
                    "RCA" + (source.empty() ? "" : ": " + markdown_inline(source))});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const TimelineRow& a, const TimelineRow& b) {
    return a.at.has_value() != b.at.has_value() ? a.at.has_value()
                                                : a.at.value_or(0) < b.at.value_or(0);
  });
  out << "| Time (UTC) | Received | Event | Source |\n|---|---|---|---|\n";
  for (const auto& row : rows) {
    out << "| " << row.time << " | " << row.received << " | " << row.event << " | " << row.source
        << " |\n";
  }
  if (rows.empty())
    out << "| _TODO_ | | _first signal, detection, escalation, mitigation, resolution_ | |\n";
  if (rca_entries == 0) {
    out << "\n";
    todo(out,
         "add what people did and when: detection, escalation, mitigation, resolution "
         "(with the source of each: chat channel, deploy log, ...).");
  }
}

/// The warnings of the quality checks, one per line, below the table they are about.
void action_item_warnings(Out& out, const Rca& rca, const ActionItemRules& rules) {
  const auto warnings = check_action_items(rca, rules);
  if (warnings.empty()) return;
  out << "\nWarnings on the open action items (the guides' checks; the RCA is stored as it "
         "is):\n\n";
  for (const auto& warning : warnings) {
    out << "- **Warning**"
        << (warning.item.empty() ? "" : " (" + markdown_inline(warning.item) + ")") << ": "
        << markdown_inline(warning.message) << "\n";
  }
}

void action_items(Out& out, const Rca* rca, const ActionItemRules& rules) {
  out << "| ID | Title | Type | Priority | Owner | Due | Status | Completed | Ticket |\n"
         "|---|---|---|---|---|---|---|---|---|\n";
  if (!rca || rca->action_items.empty()) {
    out << "| _TODO_ | _what keeps this from happening again, or finds it sooner?_ "
           "| prevent / detect / mitigate / process | P0–P3 | _a person, not a team_ | YYYY-MM-DD "
           "| open | | |\n";
    return;
  }
  for (const auto& item : rca->action_items) {
    out << "| " << markdown_inline(item.id) << " | " << markdown_inline(item.title) << " | "
        << to_string(item.type) << " | " << to_string(item.priority) << " | "
        << markdown_inline(item.owner) << " | " << markdown_inline(item.due) << " | "
        << to_string(item.status) << " | " << (item.completed_at ? stamp(*item.completed_at) : "—")
        << " | " << (item.ticket.empty() ? "—" : markdown_inline(item.ticket)) << " |\n";
  }
  action_item_warnings(out, *rca, rules);
}

void follow_up_section(Out& out, const Incident& incident, const Rca* rca, UnixNanos now) {
  UnixNanos base = now;
  std::string basis = "from today (" + format_date(now) + "; the incident is still open)";
  if (rca && rca->published_at) {
    base = *rca->published_at;
    basis = "after the RCA was published (" + format_date(base) + ")";
  } else if (incident.resolved_at) {
    base = *incident.resolved_at;
    basis = "after the incident resolved (" + format_date(base) + ")";
  }
  // The dates the reviews-due KPI counts: those the RCA names, else the defaults.
  const char* const purposes[] = {"review the action items", "check that the fix held"};  // 2, 4
  const auto reviews = rca ? follow_up_reviews(*rca, base) : default_follow_up_reviews(base);
  for (std::size_t i = 0; i < reviews.size(); ++i) {
    out << "- " << format_date(reviews[i].at) << ": ";
    if (reviews[i].weeks_after == 0) {
      out << "scheduled in the RCA\n";
    } else {
      out << purposes[i] << ", " << reviews[i].weeks_after << " weeks " << basis << "\n";
    }
  }
}

/// An earlier RCA: its status, root cause and open items; for an ineffective fix also the items
/// that were done, which is what did not hold.
void earlier_rca(Out& out, const Rca& rca, bool ineffective_fix) {
  const std::size_t open = rca.open_action_items();
  out << "\n### " << markdown_inline(rca.title) << " (`" << markdown_code(rca.id) << "`)\n\n"
      << "Status: " << to_string(rca.status) << ". " << open << " of " << rca.action_items.size()
      << " action items still open" << (open ? ":" : ".") << "\n";
  if (rca.status == RcaStatus::kWaived) {
    out << "Waived: " << markdown_inline(text_of(rca.document, "waiver_reason")) << "\n";
  }
  if (const std::string cause = text_of(rca.document, "root_cause"); !cause.empty()) {
    out << "Root cause: " << markdown_inline(cause) << "\n";
  }
  if (open) out << "\n";
  for (const auto& item : rca.action_items) {
    if (item.closed()) continue;
    out << "- " << markdown_inline(item.id) << ": " << markdown_inline(item.title) << " (owner "
        << markdown_inline(item.owner) << ", due " << markdown_inline(item.due) << ", "
        << to_string(item.status) << ")\n";
  }
  if (!ineffective_fix) return;
  bool first = true;
  for (const auto& item : rca.action_items) {
    if (item.status != ActionItemStatus::kDone) continue;
    out << (first ? "\nDone, and it came back anyway:\n\n" : "") << "- " << markdown_inline(item.id)
        << ": " << markdown_inline(item.title) << " (" << to_string(item.type) << ", owner "
        << markdown_inline(item.owner)
        << (item.completed_at ? ", completed " + stamp(*item.completed_at) : std::string())
        << ")\n";
    first = false;
  }
}

void earlier_incidents(Out& out, const RepeatInfo& repeat, const std::vector<Rca>& earlier_rcas) {
  out << "This is the " << ordinal(repeat.ordinal)
      << " incident of this source in the repeat window.\n";
  if (!repeat.earlier_incidents.empty()) {
    std::vector<std::string> ids;
    for (const auto& id : repeat.earlier_incidents) ids.push_back("`" + markdown_code(id) + "`");
    out << "\nEarlier incidents: " << join(ids, ", ") << ".\n";
  }
  if (repeat.ineffective_fix) {
    out << "\n**Every action item of the earlier RCAs was closed before this incident opened: the "
           "fix did not hold.";
    if (!repeat.fixed_types.empty()) {
      out << " Types of the completed items: " << join(repeat.fixed_types, ", ") << ".";
    }
    out << "** The earlier root causes and what was done are below.\n";
  }
  for (const auto& rca : earlier_rcas) earlier_rca(out, rca, repeat.ineffective_fix);
  if (earlier_rcas.empty()) {
    for (const auto& related : repeat.rcas) {  // as they stood when this incident opened
      out << "\n- " << markdown_inline(related.title) << " (`" << markdown_code(related.id)
          << "`): " << related.open_action_items << " of " << related.action_items
          << " action items open when this incident opened\n";
    }
    if (repeat.rcas.empty()) out << "\nNo RCA covers the earlier incidents.\n";
  }
  out << "\n";
  todo(out, "why did the response to the earlier incidents not prevent this one?");
}

/// The RCA's title, else the alert's name and service, else the source.
std::string draft_title(const Incident& incident, const Rca* rca) {
  return rca ? rca->title : incident_title(incident);
}

}  // namespace

std::string render_postmortem_markdown(const Incident& incident,
                                       const std::vector<TimelineEvent>& timeline,
                                       const std::vector<Rca>& linked_rcas,
                                       const std::vector<Rca>& earlier_rcas, UnixNanos now,
                                       const ActionItemRules& item_rules) {
  const Rca* rca = linked_rcas.empty() ? nullptr : &linked_rcas.front();
  const json& doc = document_of(rca);
  Out out;
  out << "# Post-mortem: " << markdown_inline(draft_title(incident, rca)) << " ("
      << markdown_inline(incident.id) << ")\n\n";
  if (rca) {
    out << "RCA: **" << markdown_inline(rca->title) << "** (`" << markdown_code(rca->id) << "`, "
        << to_string(rca->status) << ").";
    for (std::size_t i = 1; i < linked_rcas.size(); ++i) {
      out << (i == 1 ? " Also linked: " : ", ") << "`" << markdown_code(linked_rcas[i].id) << "`";
    }
    out << "\n\n";
  }
  if (!rca || !rca->covers_incidents()) {
    out << "> Draft generated from the incident's activity" << (rca ? " and its RCA" : "")
        << ". Replace every _TODO_; blameless: describe systems and decisions, not people.\n\n";
  }
  metadata(out, incident, rca, now);

  text_section(out, "Summary", doc, "summary",
               "a few sentences for readers who will read nothing else: what failed, for how "
               "long, and who was affected.");
  heading(out, "Impact");
  impact(out, doc);
  heading(out, "Timeline");
  timeline_table(out, incident, timeline, doc);
  text_section(out, "Root cause", doc, "root_cause", "one sentence: what failed, and why.", true);
  list_section(out, "Five whys", doc, "five_whys",
               "ask \"why?\" up to five times, from the symptom down to the root cause.", true);
  list_section(out, "Contributing factors", doc, "contributing_factors",
               "conditions that made it possible, worse or longer without being the root cause.");
  list_section(out, "What went well", doc, "what_went_well",
               "alerts that fired, runbooks that worked, people who knew what to do.");
  list_section(out, "What could be improved", doc, "what_could_be_improved",
               "what hurt or slowed the response.");
  heading(out, "Action items");
  action_items(out, rca, item_rules);
  list_section(out, "Lessons learned", doc, "lessons_learned",
               "what the organisation now knows that it did not know before.");
  heading(out, "Follow-up reviews");
  follow_up_section(out, incident, rca, now);
  if (incident.repeat) {
    heading(out, "Earlier incidents and RCAs");
    earlier_incidents(out, *incident.repeat, earlier_rcas);
  }
  return out.str();
}

}  // namespace pmx
