#pragma once
/// A Store that is not open yet: every call answers ErrorCode::kUnavailable (a webhook gets 503,
/// so Alertmanager retries it) and healthy() is false (/-/ready answers 503) until open() hands
/// it the real store and mark_ready() says what must be in it at start is there; from open() on
/// every call goes to that store.
///
/// Why: the daemon listens before its store is open, so that during a slow open (SQLite
/// recovering a large WAL after a crash, Redis still loading) probes and clients get a clear 503
/// instead of a refused connection.
///
/// Thread-safety: open() may run while other threads call the members; it is called once.
#include <atomic>
#include <memory>

#include "pmx/store/store.h"

namespace pmx {

class PendingStore final : public Store {
 public:
  /// From now on every call goes to `store`. Called once. healthy() stays false until
  /// mark_ready(): the daemon first loads --rca.dir into the open store, so a ready daemon
  /// already serves those RCAs.
  void open(std::unique_ptr<Store> store);
  bool is_open() const { return open_.load(std::memory_order_acquire) != nullptr; }
  /// From now on healthy() is the open store's. After open().
  void mark_ready() { ready_.store(true, std::memory_order_release); }

  Result<LoadResult> load(const std::vector<SourceLoad>& sources) override;
  Result<std::vector<bool>> commit(const std::vector<SourceCommit>& commits) override;
  Result<std::vector<Incident>> list_incidents(const IncidentFilter& filter) override;
  Result<std::optional<IncidentDetail>> get_incident(const std::string& id) override;
  Result<std::vector<Incident>> get_incidents(const std::vector<std::string>& ids) override;
  Result<std::vector<SourceState>> list_sources(const SourceFilter& filter) override;
  Result<std::optional<SourceState>> get_source(const std::string& source_id) override;
  Result<KpiSnapshot> read_kpis(const std::vector<KpiRange>& ranges,
                                std::size_t top_sources) override;
  Result<std::vector<IndexMember>> index_members(const KpiRange& range, std::size_t limit) override;
  Result<RcaWrite> put_rca(
      const Rca& rca, std::int64_t expected_version,
      const std::map<std::string, std::vector<TimelineEvent>>& timeline) override;
  Result<std::optional<Rca>> get_rca(const std::string& id) override;
  Result<std::vector<Rca>> list_rcas() override;
  Result<bool> delete_rca(const std::string& id) override;
  bool healthy() override;

 private:
  /// The value of `call` on the open store, or kUnavailable while there is none.
  template <typename Call>
  auto when_open(Call&& call) -> decltype(call(std::declval<Store&>()));

  std::unique_ptr<Store> store_;       // written once, by open()
  std::atomic<Store*> open_{nullptr};  // store_.get() once open: read without a lock
  std::atomic<bool> ready_{false};
};

}  // namespace pmx
