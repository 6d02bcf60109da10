#include "pmx/core/follow_up_reviews.h"

#include "pmx/core/rca_loader.h"

namespace pmx {
namespace {

constexpr UnixNanos kWeek = 7 * kNanosPerDay;
constexpr int kDefaultWeeks[] = {2, 4};

}  // namespace

std::vector<FollowUpReview> default_follow_up_reviews(UnixNanos base) {
  std::vector<FollowUpReview> reviews;
  for (const int weeks : kDefaultWeeks) reviews.push_back({base + weeks * kWeek, weeks});
  return reviews;
}

std::vector<FollowUpReview> named_follow_up_reviews(const Rca& rca) {
  std::vector<FollowUpReview> reviews;
  const auto named = rca.document.find("follow_up_reviews");  // end() unless an object
  if (named == rca.document.end() || !named->is_array()) return reviews;
  for (const auto& date : *named) {
    // A review is due from the start of its day; rca_due_end gives the day's end.
    const auto end = date.is_string() ? rca_due_end(date.get<std::string>()) : std::nullopt;
    if (end) reviews.push_back({*end - kNanosPerDay, 0});
  }
  return reviews;
}

std::vector<FollowUpReview> follow_up_reviews(const Rca& rca, std::optional<UnixNanos> base) {
  std::vector<FollowUpReview> reviews = named_follow_up_reviews(rca);
  if (reviews.empty() && base) reviews = default_follow_up_reviews(*base);
  return reviews;
}

}  // namespace pmx
