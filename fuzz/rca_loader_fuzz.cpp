// libFuzzer target: an RCA document as the API and --rca.dir read it — JSON first (nlohmann,
// exceptions off), then load_rca.
//
// Invariants beyond "no crash, no sanitizer finding, no exception escapes":
//   - a rejected document has at least one problem, each with a message and a JSON Pointer
//     path ("" or starting with '/');
//   - an accepted one keeps the document as given, its due_at is rca_due_end(due), and
//     rca_to_json of the fresh model is the document unchanged (nothing was read differently
//     from what is written back); that document loads again to the same model.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <variant>
#include <vector>

#include "fuzz_check.h"
#include "pmx/core/rca_loader.h"

namespace {

bool same(const pmx::ActionItem& a, const pmx::ActionItem& b) {
  return a.id == b.id && a.title == b.title && a.type == b.type && a.priority == b.priority &&
         a.owner == b.owner && a.due == b.due && a.due_at == b.due_at && a.status == b.status &&
         a.ticket == b.ticket && a.completed_at == b.completed_at;
}

bool same(const pmx::Rca& a, const pmx::Rca& b) {
  if (a.id != b.id || a.title != b.title || a.status != b.status || a.severity != b.severity ||
      a.incidents != b.incidents || a.matchers != b.matchers || a.created_at != b.created_at ||
      a.published_at != b.published_at || a.action_items.size() != b.action_items.size() ||
      a.document != b.document) {
    return false;
  }
  for (std::size_t i = 0; i < a.action_items.size(); ++i) {
    if (!same(a.action_items[i], b.action_items[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;

  auto loaded = pmx::load_rca(doc);
  if (!loaded) {
    const auto& problems = loaded.error().problems;
    PMX_FUZZ_CHECK(!problems.empty());
    for (const auto& problem : problems) {
      PMX_FUZZ_CHECK(!problem.message.empty());
      PMX_FUZZ_CHECK(problem.path.empty() || problem.path.front() == '/');
    }
    return 0;
  }
  const auto& rca = *loaded;
  PMX_FUZZ_CHECK(rca.document == doc);
  for (const auto& item : rca.action_items) {
    PMX_FUZZ_CHECK(pmx::rca_due_end(item.due) == item.due_at);
  }

  const nlohmann::json written = pmx::rca_to_json(rca);
  PMX_FUZZ_CHECK(written == doc);
  const auto reloaded = pmx::load_rca(written);
  PMX_FUZZ_CHECK(reloaded.ok());
  PMX_FUZZ_CHECK(same(rca, *reloaded));
  return 0;
}
