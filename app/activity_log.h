#pragma once
// The lines an operator can rely on (README, "Logs"): what the use cases changed and when the
// store comes and goes, one info line each, written through pmx/log/log.h.
#include <string>

#include "pmx/service/ingestor.h"
#include "pmx/service/rca_service.h"
#include "pmx/store/redis_store.h"

namespace pmx {

/// Logs incident lifecycle steps and RCA writes. Thread-safe (spdlog's logger is).
class ActivityLog final : public IncidentObserver, public RcaWriteObserver {
 public:
  void incident_step(const Incident& incident, const TimelineEvent& step) override;
  void rca_written(const RcaWritten& write) override;
  void rca_deleted(const std::string& id, std::int64_t version, RcaOrigin origin) override;
};

/// Logs the start (warn, with address and error) and the end (info, with how long it lasted)
/// of a Redis outage: RedisConfig::on_availability.
void log_store_availability(const RedisAvailability& change);

/// A duration for a log line: `12s`, `0.4s` under 10 s.
std::string log_seconds(double seconds);

}  // namespace pmx
