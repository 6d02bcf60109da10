#pragma once
/// A Markdown post-mortem draft of one incident, in the standard template (Google SRE book /
/// PagerDuty), for `GET /api/v1/incidents/{id}/postmortem.md`.
#include <string>
#include <vector>

#include "pmx/core/action_item_checks.h"
#include "pmx/core/incident.h"
#include "pmx/core/rca.h"
#include "pmx/core/time.h"

namespace pmx {

/// Renders the post-mortem of `incident` as a Markdown draft: a title, a metadata table
/// (times, detection gap = first notification received - alert start, duration, counts,
/// post-mortem status) and the sections Summary, Impact, Timeline, Root cause, Five whys,
/// Contributing factors, What went well, What could be improved, Action items, Lessons learned,
/// Follow-up reviews and, for repeats only, Earlier incidents and RCAs.
///
/// Sections are filled from the document of the first of `linked_rcas` where it has content,
/// otherwise they hold a `_TODO: ..._` prompt for the author. The timeline table merges the
/// incident's `timeline` with the RCA's own entries, sorted by time, and marks the row of the
/// detection gap. Follow-up reviews are proposed 2 and 4 weeks after the RCA's published_at (or
/// after the incident resolved, or after `now` while neither happened), followed by the
/// document's own follow_up_reviews (dates as pmx/core/follow_up_reviews.h reads them).
/// `earlier_rcas` are the current state of the RCAs of the earlier incidents (incident.repeat),
/// whose still-open action items are listed. Below the action items table, the warnings of
/// the quality checks on them (pmx/core/action_item_checks.h, by `item_rules`) are listed.
///
/// Pure and deterministic: the clock is never read (`now` is passed in). Every value from an
/// alert (labels, annotations, source key) or an RCA is inert Markdown: it shows as text, never
/// as a heading, list, table row, link, image, code or HTML (core/src/markdown_escape.h).
std::string render_postmortem_markdown(const Incident& incident,
                                       const std::vector<TimelineEvent>& timeline,
                                       const std::vector<Rca>& linked_rcas,
                                       const std::vector<Rca>& earlier_rcas, UnixNanos now,
                                       const ActionItemRules& item_rules = ActionItemRules());

}  // namespace pmx
