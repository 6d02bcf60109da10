// libFuzzer target: an RCA document as the API (PUT) and --rca.dir read it — parse_json with
// its depth limit first, then load_rca, then rca_to_json back.
//
// Invariants beyond "no crash, no sanitizer finding, no exception escapes":
//   - a document parse_json refuses for its depth has one problem naming a JSON Pointer;
//     one it accepts is nested at most kMaxJsonDepth deep (so nothing below recurses further);
//   - a rejected document has at least one problem, each with a message and a JSON Pointer
//     path ("" or starting with '/');
//   - an accepted one keeps the document as given, its due_at is rca_due_end(due), and
//     rca_to_json of the fresh model is the document unchanged (nothing was read differently
//     from what is written back); that document loads again to the same model.
// Seeds: schema/examples and fuzz/rca_seeds (documents at, just over and far over the limit).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.h"
#include "pmx/core/rca_loader.h"
#include "pmx/receiver/json_body.h"

namespace {

/// Levels of objects and arrays, the value itself counting as one (a scalar: 0). Recursive:
/// only called on documents parse_json accepted, so at most kMaxJsonDepth deep.
int depth(const nlohmann::json& value) {
  if (!value.is_structured()) return 0;
  int deepest = 0;
  for (const auto& element : value) deepest = std::max(deepest, depth(element));
  return deepest + 1;
}

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
  const auto parsed = pmx::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed) {
    const auto& problems = parsed.error().problems;
    PMX_FUZZ_CHECK(problems.size() <= 1);  // one for the depth, none for a syntax error
    for (const auto& problem : problems) {
      PMX_FUZZ_CHECK(!problem.path.empty() && problem.path.front() == '/');
      PMX_FUZZ_CHECK(parsed.error().field == problem.path);
    }
    return 0;
  }
  const nlohmann::json& doc = *parsed;
  PMX_FUZZ_CHECK(depth(doc) <= pmx::kMaxJsonDepth);

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
