#pragma once
/// Action-item edits in an incident's timeline, collapsed to one line per item for the
/// post-mortem draft: a PATCH per status change leaves a trail ("open → in_progress",
/// "in_progress → done"), and a reader wants the net change ("open → done, 2 edits").
/// Private to core.
#include <string>
#include <vector>

#include "pmx/core/incident.h"

namespace pmx {

/// The events with every kActionItemChanged of one item replaced by one event at the time of
/// its last edit, saying the net change of each field (first old value → last new value) and
/// how many edits there were. Other events, and item events whose text is not the daemon's,
/// are kept as they are. Order is kept otherwise.
std::vector<TimelineEvent> collapse_item_edits(const std::vector<TimelineEvent>& events);

}  // namespace pmx
