#pragma once
// Helpers shared by the StoreTransfer implementations (*_transfer.cpp): records of many entries
// go out in chunks of dump::kChunk, so no line of a dump grows with history.
#include <utility>
#include <variant>
#include <vector>

#include "pmx/store/store_transfer.h"

namespace pmx::transfer {

/// Collects entries and writes `make(entries)` to the sink each time dump::kChunk are held,
/// and for the rest on flush().
template <typename Entry, typename Make>
class Chunker {
 public:
  Chunker(dump::Sink& sink, Make make) : sink_(sink), make_(std::move(make)) {}

  Result<Done> add(Entry entry) {
    entries_.push_back(std::move(entry));
    if (entries_.size() < dump::kChunk) return Done{};
    return flush();
  }
  Result<Done> flush() {
    if (entries_.empty()) return Done{};
    std::vector<Entry> entries;
    entries.swap(entries_);
    return sink_.write(make_(std::move(entries)));
  }

 private:
  dump::Sink& sink_;
  Make make_;
  std::vector<Entry> entries_;
};

template <typename Entry, typename Make>
Chunker<Entry, Make> chunker(dump::Sink& sink, Make make) {
  return Chunker<Entry, Make>(sink, std::move(make));
}

/// Writes `entries` in chunks.
template <typename Entry, typename Make>
Result<Done> write_chunked(dump::Sink& sink, std::vector<Entry> entries, Make make) {
  auto chunks = chunker<Entry>(sink, std::move(make));
  for (auto& entry : entries) {
    if (auto written = chunks.add(std::move(entry)); !written) return written;
  }
  return chunks.flush();
}

/// The kConflict an import answers for a store that holds something.
inline Error not_empty(const std::string& store, const std::string& what) {
  return Error(ErrorCode::kConflict, "the target " + store + " is not empty (" + what +
                                         "): an import never merges; import into an empty one");
}

}  // namespace pmx::transfer
