#include "pmx/exporter/publication_metrics.h"

namespace pmx {
namespace {

constexpr double kMinute = 60;
constexpr double kHour = 60 * kMinute;
constexpr double kDay = 24 * kHour;

}  // namespace

PublicationMetrics::PublicationMetrics(prometheus::Registry& registry)
    : time_to_postmortem_(
          prometheus::BuildHistogram()
              .Name("postmortem_time_to_postmortem_seconds")
              .Help("From the resolution of an incident that needs a post-mortem "
                    "(--postmortem.required-severities, repeats) to the first published RCA "
                    "naming it. Incidents that need none are not observed.")
              .Register(registry)
              // 15 minutes to four weeks: the policy is days ("5 business days") and the tail
              // is the story, but a team that writes its post-mortem the same hour sees it too.
              .Add({}, prometheus::Histogram::BucketBoundaries{15 * kMinute, 30 * kMinute, kHour,
                                                               6 * kHour, kDay, 2 * kDay, 3 * kDay,
                                                               5 * kDay, 7 * kDay, 14 * kDay,
                                                               28 * kDay})),
      items_per_postmortem_(prometheus::BuildHistogram()
                                .Name("postmortem_action_items_per_postmortem")
                                .Help("Action items of each RCA when it is published.")
                                .Register(registry)
                                .Add({}, prometheus::Histogram::BucketBoundaries{
                                             0, 1, 2, 3, 5, 8, 13, 21})) {}

void PublicationMetrics::rca_published(std::size_t action_items) {
  items_per_postmortem_.Observe(static_cast<double>(action_items));
}

void PublicationMetrics::incident_covered(UnixNanos delay) {
  time_to_postmortem_.Observe(static_cast<double>(delay) / kNanosPerSecond);
}

}  // namespace pmx
