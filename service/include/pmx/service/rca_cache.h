#pragma once
/// Every RCA, read again only when the RCA set changed. The store bumps its RCA revision on
/// every RCA write (put, patch, link, delete, by this daemon or another on the same store), and
/// load() of no sources reads just that revision: one small read instead of decoding every RCA.
/// A scrape of /metrics reads all of them (the reminder and warning series); with 500 RCAs of
/// 100 action items, decoding them took about 430 ms per scrape (BENCHMARKS.md).
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "pmx/store/store.h"

namespace pmx {

/// Thread-safe. `store` must outlive the cache.
class RcaCache {
 public:
  explicit RcaCache(Store& store) : store_(store) {}

  /// Every RCA as of the store's current revision (list_rcas' order). One round trip when the
  /// revision is the one read last, two when it moved. Each Rca::document is kept without its
  /// "action_items" array: those are in Rca::action_items, and the array's tree held most of
  /// the cache's memory (500 RCAs of 100 items: ~60 MB with it).
  Result<std::shared_ptr<const std::vector<Rca>>> rcas();

 private:
  Store& store_;
  std::mutex mutex_;
  std::int64_t revision_ = -1;  // of rcas_; -1: nothing read yet
  std::shared_ptr<const std::vector<Rca>> rcas_;
};

}  // namespace pmx
