// Store conformance, paged listings: the time bounds and the keyset position of list_incidents
// and list_sources. Walking a listing page by page, each page after the last entry of the one
// before, gives the whole listing once, in order, even where entries tie on time.
#include "conformance.h"

namespace pmx::store_test {
namespace {

template <typename Backend>
class ListConformance : public StoreConformance<Backend> {
 protected:
  /// Six incidents of six services: "s0" at kT0, "s1" and "s2" both at kT0 + 10 s (a tie:
  /// listed by id, descending), "s3" at +20 s, "s4" at +30 s, "s5" at +40 s. Each source is
  /// last seen when its incident opened.
  void SetUp() override {
    StoreConformance<Backend>::SetUp();
    const UnixNanos opened[] = {kT0,
                                kT0 + 10 * kSecond,
                                kT0 + 10 * kSecond,
                                kT0 + 20 * kSecond,
                                kT0 + 30 * kSecond,
                                kT0 + 40 * kSecond};
    std::vector<Alert> alerts;
    for (int i = 0; i < 6; ++i) {
      const std::string service = "s" + std::to_string(i);
      alerts.push_back(firing("Down", service, "fp" + std::to_string(i), opened[i]));
      keys_.push_back(source_of("Down", service));
    }
    this->ingest(alerts, kT0 + 50 * kSecond);
  }

  std::string id(int service) const { return incident_id(keys_[service].id, 1); }

  /// Every page of `filter` (its limit the page size), following the position.
  std::vector<std::vector<std::string>> pages(IncidentFilter filter) {
    std::vector<std::vector<std::string>> result;
    for (int guard = 0; guard < 20; ++guard) {
      const auto listed = this->value(this->store().list_incidents(filter));
      if (listed.empty()) break;
      result.emplace_back();
      for (const auto& incident : listed) result.back().push_back(incident.id);
      filter.after = IncidentPosition{listed.back().opened_at, listed.back().id};
    }
    return result;
  }

  std::vector<std::vector<std::string>> source_pages(SourceFilter filter) {
    std::vector<std::vector<std::string>> result;
    for (int guard = 0; guard < 20; ++guard) {
      const auto listed = this->value(this->store().list_sources(filter));
      if (listed.empty()) break;
      result.emplace_back();
      for (const auto& source : listed) result.back().push_back(source.key.canonical);
      filter.after = SourcePosition{listed.back().last_seen, listed.back().key.canonical};
    }
    return result;
  }

  std::vector<SourceKey> keys_;
};
TYPED_TEST_SUITE(ListConformance, Backends, BackendNames);

using Pages = std::vector<std::vector<std::string>>;

TYPED_TEST(ListConformance, IncidentPagesFollowTheLastOneListedThroughTies) {
  const auto& t = *this;
  // The tie of s1 and s2 is broken by id, descending, as the first page shows.
  const std::string tie_first = std::max(t.id(1), t.id(2)), tie_second = std::min(t.id(1), t.id(2));
  IncidentFilter filter;
  filter.limit = 2;
  EXPECT_EQ(this->pages(filter),
            (Pages{{t.id(5), t.id(4)}, {t.id(3), tie_first}, {tie_second, t.id(0)}}));
  filter.limit = 3;  // a page ending inside the tie
  EXPECT_EQ(this->pages(filter),
            (Pages{{t.id(5), t.id(4), t.id(3)}, {tie_first, tie_second, t.id(0)}}));
  filter.limit = 4;
  EXPECT_EQ(this->pages(filter),
            (Pages{{t.id(5), t.id(4), t.id(3), tie_first}, {tie_second, t.id(0)}}));
}

TYPED_TEST(ListConformance, IncidentsOpenedBetweenFromAndTo) {
  const auto& t = *this;
  const std::string tie_first = std::max(t.id(1), t.id(2)), tie_second = std::min(t.id(1), t.id(2));
  IncidentFilter filter;
  filter.opened_from = kT0 + 10 * kSecond;  // inclusive
  filter.opened_to = kT0 + 30 * kSecond;    // exclusive
  EXPECT_EQ(this->incident_ids(filter), (std::vector<std::string>{t.id(3), tie_first, tie_second}));
  // A nanosecond either side moves an incident out.
  filter.opened_from = kT0 + 10 * kSecond + 1;
  filter.opened_to = kT0 + 30 * kSecond + 1;
  EXPECT_EQ(this->incident_ids(filter), (std::vector<std::string>{t.id(4), t.id(3)}));
  // Bounds and pages together, and with a source.
  filter.opened_from = kT0;
  filter.opened_to = kT0 + 40 * kSecond;
  filter.limit = 2;
  EXPECT_EQ(this->pages(filter), (Pages{{t.id(4), t.id(3)}, {tie_first, tie_second}, {t.id(0)}}));
  filter.source_id = t.keys_[4].id;
  EXPECT_EQ(this->pages(filter), (Pages{{t.id(4)}}));
  filter.state = IncidentState::kOpen;
  EXPECT_EQ(this->pages(filter), (Pages{{t.id(4)}}));
  filter.state = IncidentState::kResolved;
  EXPECT_EQ(this->pages(filter), Pages{});
}

TYPED_TEST(ListConformance, SourcePagesBySeenWithTiesByKey) {
  const auto& t = *this;
  const std::string k[] = {t.keys_[0].canonical, t.keys_[1].canonical, t.keys_[2].canonical,
                           t.keys_[3].canonical, t.keys_[4].canonical, t.keys_[5].canonical};
  // s1 and s2 were last seen at the same time: by canonical key, ascending.
  const std::string tie_first = std::min(k[1], k[2]), tie_second = std::max(k[1], k[2]);
  EXPECT_EQ(this->source_pages(SourceFilter(2)),
            (Pages{{k[5], k[4]}, {k[3], tie_first}, {tie_second, k[0]}}));
  EXPECT_EQ(this->source_pages(SourceFilter(3)),
            (Pages{{k[5], k[4], k[3]}, {tie_first, tie_second, k[0]}}));
  SourceFilter filter(2);
  filter.seen_from = kT0 + 10 * kSecond;
  filter.seen_to = kT0 + 30 * kSecond;
  EXPECT_EQ(this->source_pages(filter), (Pages{{k[3], tie_first}, {tie_second}}));
  filter.seen_from = kT0 + 40 * kSecond + 1;
  filter.seen_to.reset();
  EXPECT_EQ(this->source_pages(filter), Pages{});
}

}  // namespace
}  // namespace pmx::store_test
