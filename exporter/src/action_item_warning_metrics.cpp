#include "pmx/exporter/action_item_warning_metrics.h"

#include <map>

namespace pmx {

prometheus::MetricFamily action_item_warning_family(const std::vector<Rca>& rcas,
                                                    const ActionItemRules& rules) {
  std::map<ActionItemWarningKind, std::size_t> counts;
  for (const auto& rca : rcas) {
    if (rca.status == RcaStatus::kDraft) continue;
    for (const auto& warning : check_action_items(rca, rules)) ++counts[warning.kind];
  }
  prometheus::MetricFamily family;
  family.name = "postmortem_action_item_warnings";
  family.help =
      "Warnings of the quality checks on the open action items of RCAs past draft, by kind "
      "(too many items, no or team owner, no or late due date, vague wording, no ticket).";
  family.type = prometheus::MetricType::Gauge;
  for (const auto kind : kActionItemWarningKinds) {
    prometheus::ClientMetric metric;
    metric.label = {{"kind", to_string(kind)}};
    metric.gauge.value = static_cast<double>(counts[kind]);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace pmx
