#include "pmx/service/rca_cache.h"

namespace pmx {

Result<std::shared_ptr<const std::vector<Rca>>> RcaCache::rcas() {
  // The revision first: RCAs read after it are at least that new, so a write in between makes
  // the next call read them again, never keeps an older list.
  const auto loaded = store_.load({});
  if (!loaded) return loaded.error();
  {
    std::lock_guard lock(mutex_);
    if (rcas_ && revision_ == loaded->rca_revision) return rcas_;
  }
  auto listed = store_.list_rcas();
  if (!listed) return listed.error();
  for (Rca& rca : *listed) {
    if (rca.document.is_object()) rca.document.erase("action_items");
  }
  auto rcas = std::make_shared<const std::vector<Rca>>(std::move(*listed));
  std::lock_guard lock(mutex_);
  if (loaded->rca_revision >= revision_) {
    revision_ = loaded->rca_revision;
    rcas_ = rcas;
  }
  return rcas;
}

}  // namespace pmx
