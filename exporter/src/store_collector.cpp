#include "pmx/exporter/store_collector.h"

namespace pmx {
namespace {

prometheus::MetricFamily gauge_family(const std::string& name, const std::string& help) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  return family;
}

prometheus::ClientMetric gauge(double value, std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  return metric;
}

}  // namespace

std::vector<prometheus::MetricFamily> StoreCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  auto up = gauge_family("postmortem_store_up", "1 when the store answered this scrape, else 0.");

  const auto open = store_.count_open_incidents();
  const auto top = open ? store_.top_sources(top_sources_) : StoreResult<std::vector<SourceCount>>(open.error());
  up.metric.push_back(gauge(open && top ? 1 : 0));
  families.push_back(std::move(up));
  if (!open || !top) return families;  // no stale or partial state gauges: absent means unknown

  auto open_family = gauge_family("postmortem_incidents_open", "Incidents currently open.");
  open_family.metric.push_back(gauge(static_cast<double>(*open)));
  families.push_back(std::move(open_family));

  auto sources = gauge_family("postmortem_source_occurrences",
                              "Occurrences recorded per source, for the top sources only.");
  for (const auto& source : *top) {
    sources.metric.push_back(gauge(static_cast<double>(source.occurrences), {{"source", source.source}}));
  }
  families.push_back(std::move(sources));
  return families;
}

}  // namespace pmx
