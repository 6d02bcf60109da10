#include "pmx/exporter/telemetry.h"

#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>

namespace pmx {

Telemetry::Telemetry(Store& store, const KpiSettings& kpis, const ReminderSettings& reminders,
                     const std::string& version, std::function<UnixNanos()> now,
                     ActionItemRules item_rules)
    : registry_(std::make_shared<prometheus::Registry>()),
      ingest_(*registry_),
      publication_(*registry_),
      store_collector_(store, kpis, now),
      reminder_collector_(store, reminders, std::move(item_rules), std::move(now)) {
  prometheus::BuildGauge()
      .Name("postmortem_build_info")
      .Help("Build information; always 1.")
      .Register(*registry_)
      .Add({{"version", version}})
      .Set(1);
}

std::string Telemetry::scrape() const {
  auto families = registry_->Collect();
  for (const prometheus::Collectable* collector :
       {static_cast<const prometheus::Collectable*>(&store_collector_),
        static_cast<const prometheus::Collectable*>(&reminder_collector_)}) {
    auto gauges = collector->Collect();
    families.insert(families.end(), std::make_move_iterator(gauges.begin()),
                    std::make_move_iterator(gauges.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace pmx
