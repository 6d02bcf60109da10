#pragma once
// Building gauge families by hand, for the collectors that read their values at scrape time.
#include <prometheus/metric_family.h>

#include <string>
#include <utility>
#include <vector>

namespace pmx::gauges {

using Labels = std::vector<prometheus::ClientMetric::Label>;

inline prometheus::MetricFamily family(const std::string& name, const std::string& help) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  return family;
}

inline void add(prometheus::MetricFamily& family, double value, Labels labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

inline prometheus::MetricFamily single(const std::string& name, const std::string& help,
                                       double value) {
  auto gauge = family(name, help);
  add(gauge, value);
  return gauge;
}

}  // namespace pmx::gauges
