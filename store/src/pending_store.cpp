#include "pmx/store/pending_store.h"

#include <stdexcept>

namespace pmx {

void PendingStore::open(std::unique_ptr<Store> store) {
  if (is_open()) throw std::logic_error("PendingStore::open called twice");
  store_ = std::move(store);
  open_.store(store_.get(), std::memory_order_release);
}

template <typename Call>
auto PendingStore::when_open(Call&& call) -> decltype(call(std::declval<Store&>())) {
  Store* store = open_.load(std::memory_order_acquire);
  if (store == nullptr) return Error(ErrorCode::kUnavailable, "the store is still being opened");
  return call(*store);
}

Result<LoadResult> PendingStore::load(const std::vector<SourceLoad>& sources) {
  return when_open([&](Store& store) { return store.load(sources); });
}

Result<std::vector<bool>> PendingStore::commit(const std::vector<SourceCommit>& commits) {
  return when_open([&](Store& store) { return store.commit(commits); });
}

Result<std::vector<Incident>> PendingStore::list_incidents(const IncidentFilter& filter) {
  return when_open([&](Store& store) { return store.list_incidents(filter); });
}

Result<std::optional<IncidentDetail>> PendingStore::get_incident(const std::string& id) {
  return when_open([&](Store& store) { return store.get_incident(id); });
}

Result<std::vector<Incident>> PendingStore::get_incidents(const std::vector<std::string>& ids) {
  return when_open([&](Store& store) { return store.get_incidents(ids); });
}

Result<std::vector<SourceState>> PendingStore::list_sources(const SourceFilter& filter) {
  return when_open([&](Store& store) { return store.list_sources(filter); });
}

Result<std::optional<SourceState>> PendingStore::get_source(const std::string& source_id) {
  return when_open([&](Store& store) { return store.get_source(source_id); });
}

Result<KpiSnapshot> PendingStore::read_kpis(const std::vector<KpiRange>& ranges,
                                            std::size_t top_sources) {
  return when_open([&](Store& store) { return store.read_kpis(ranges, top_sources); });
}

Result<std::vector<IndexMember>> PendingStore::index_members(const KpiRange& range,
                                                             std::size_t limit) {
  return when_open([&](Store& store) { return store.index_members(range, limit); });
}

Result<RcaWrite> PendingStore::put_rca(
    const Rca& rca, std::int64_t expected_version,
    const std::map<std::string, std::vector<TimelineEvent>>& timeline) {
  return when_open([&](Store& store) { return store.put_rca(rca, expected_version, timeline); });
}

Result<std::optional<Rca>> PendingStore::get_rca(const std::string& id) {
  return when_open([&](Store& store) { return store.get_rca(id); });
}

Result<std::vector<Rca>> PendingStore::list_rcas() {
  return when_open([&](Store& store) { return store.list_rcas(); });
}

Result<bool> PendingStore::delete_rca(const std::string& id) {
  return when_open([&](Store& store) { return store.delete_rca(id); });
}

bool PendingStore::healthy() {
  Store* store = open_.load(std::memory_order_acquire);
  return ready_.load(std::memory_order_acquire) && store != nullptr && store->healthy();
}

}  // namespace pmx
