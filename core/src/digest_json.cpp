// The digest as JSON (GET /api/v1/digest): the figures and lists of digest_markdown, for tools.
#include "pmx/core/digest.h"

namespace pmx {
namespace {

using nlohmann::json;

json seconds(UnixNanos d) { return static_cast<double>(d) / kNanosPerSecond; }

template <typename T>
json optional(const std::optional<T>& value, json (*convert)(T)) {
  return value ? convert(*value) : json(nullptr);
}

json ratio_json(const DigestRatio& ratio) {
  const auto value = ratio.ratio();
  return {{"part", ratio.part}, {"whole", ratio.whole}, {"ratio", value ? json(*value) : json()}};
}

json item_json(const DigestItem& i) {
  return {
      {"rca", i.rca},
      {"rca_title", i.rca_title},
      {"id", i.item.id},
      {"title", i.item.title},
      {"owner", i.item.owner},
      {"priority", to_string(i.item.priority)},
      {"type", to_string(i.item.type)},
      {"status", to_string(i.item.status)},
      {"due", i.item.due},
      {"completed_at", i.item.completed_at ? json(format_rfc3339(*i.item.completed_at)) : json()},
      {"ticket", i.item.ticket},
      {"late_by_seconds", seconds(i.late_by)}};
}

json items_json(const std::vector<DigestItem>& items) {
  json list = json::array();
  for (const auto& i : items) list.push_back(item_json(i));
  return list;
}

json kpis_json(const DigestKpis& k) {
  json on_time = json::object();
  for (const Priority p : {Priority::kP0, Priority::kP1, Priority::kP2, Priority::kP3}) {
    on_time[to_string(p)] = ratio_json(k.on_time[static_cast<std::size_t>(p)]);
  }
  json samples = json::array();
  for (const UnixNanos s : k.time_to_postmortem) samples.push_back(seconds(s));
  json within = ratio_json(k.within_four_weeks);
  within["pending"] = k.within_four_weeks_pending;
  json items = ratio_json(k.items_per_postmortem);
  items["outside_target"] = k.postmortems_outside_item_target;
  items["mean"] = items["ratio"];
  items.erase("ratio");
  return {{"on_time_by_priority", std::move(on_time)},
          {"p0_p1_on_time", ratio_json(k.p0_p1_on_time)},
          {"within_four_weeks", std::move(within)},
          {"coverage", ratio_json(k.coverage)},
          {"repeat_rate", ratio_json(k.repeats)},
          {"time_to_postmortem",
           {{"samples_seconds", std::move(samples)},
            {"median_seconds", optional(k.time_to_postmortem_median, seconds)},
            {"p90_seconds", optional(k.time_to_postmortem_p90, seconds)},
            {"within_due", ratio_json(k.time_to_postmortem_within_due)}}},
          {"items_per_postmortem", std::move(items)}};
}

}  // namespace

json digest_json(const Digest& d) {
  json postmortems = json::array();
  for (const auto& pm : d.postmortems) {
    postmortems.push_back({{"id", pm.id},
                           {"title", pm.title},
                           {"severity", pm.severity},
                           {"published_at", format_rfc3339(pm.published_at)},
                           {"incidents", pm.incidents},
                           {"root_cause", pm.root_cause},
                           {"lessons_learned", pm.lessons_learned},
                           {"action_items", pm.action_items},
                           {"open_action_items", pm.open_action_items},
                           {"warnings", pm.warnings}});
  }
  json repeats = json::array();
  for (const auto& r : d.repeats) {
    json rcas = json::array();
    for (const auto& rca : r.rcas) {
      rcas.push_back({{"id", rca.id},
                      {"title", rca.title},
                      {"action_items", rca.action_items},
                      {"open_action_items", rca.open_action_items}});
    }
    repeats.push_back({{"incident", r.incident},
                       {"source", r.source},
                       {"opened_at", format_rfc3339(r.opened_at)},
                       {"ordinal", r.ordinal},
                       {"rcas", std::move(rcas)},
                       {"open_action_items", r.open_action_items},
                       {"ineffective_fix", r.ineffective_fix},
                       {"fixed_types", r.fixed_types}});
  }
  json owners = json::array();
  for (const auto& o : d.owners) {
    owners.push_back({{"owner", o.owner},
                      {"completed", o.completed},
                      {"slipped", o.slipped},
                      {"overdue", o.overdue}});
  }
  json awaiting = json::array();
  for (const auto& a : d.awaiting) {
    awaiting.push_back({{"incident", a.incident},
                        {"source", a.source},
                        {"resolved_at", format_rfc3339(a.resolved_at)},
                        {"due_at", format_rfc3339(a.due_at)},
                        {"overdue", a.due_at <= d.now}});
  }
  const DigestTargets& t = d.targets;
  return {{"from", format_rfc3339(d.period.from)},
          {"to", format_rfc3339(d.period.to)},
          {"as_of", format_rfc3339(d.as_of)},
          {"now", format_rfc3339(d.now)},
          {"incomplete", d.incomplete.empty() ? json() : json(d.incomplete)},
          {"targets",
           {{"within_four_weeks_ratio", t.within_four_weeks},
            {"p0_p1_on_time_ratio", t.p0_p1_on_time},
            {"postmortem_due", t.postmortem_due},
            {"min_items", t.min_items},
            {"max_items", t.max_items}}},
          {"kpis", kpis_json(d.kpis)},
          {"postmortems", std::move(postmortems)},
          {"repeats", std::move(repeats)},
          {"action_items",
           {{"owners", std::move(owners)},
            {"completed", items_json(d.completed)},
            {"slipped", items_json(d.slipped)},
            {"overdue", items_json(d.overdue)}}},
          {"awaiting_postmortem", std::move(awaiting)}};
}

}  // namespace pmx
