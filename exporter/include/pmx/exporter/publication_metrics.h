#pragma once
/// Histograms of post-mortem publication, observed when an RCA write publishes (per replica,
/// like the event counters: sum them across replicas). Thread-safe: prometheus-cpp
/// histograms lock internally.
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "pmx/service/rca_service.h"

namespace pmx {

class PublicationMetrics final : public PublicationObserver {
 public:
  /// Registers the families in `registry`, which must outlive this object.
  explicit PublicationMetrics(prometheus::Registry& registry);
  PublicationMetrics(const PublicationMetrics&) = delete;
  PublicationMetrics& operator=(const PublicationMetrics&) = delete;

  void rca_published(std::size_t action_items) override;
  void incident_covered(UnixNanos delay) override;

 private:
  prometheus::Histogram& time_to_postmortem_;
  prometheus::Histogram& items_per_postmortem_;
};

}  // namespace pmx
