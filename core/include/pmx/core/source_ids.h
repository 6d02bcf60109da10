#pragma once
/// Source ids when hashes collide. A source's id (SourceKey::id) is a 64-bit hash of its
/// canonical key, and label values can be crafted so that two keys hash alike. Two sources
/// never share a state: a source's id is the first of its candidate ids that is free or holds
/// that source (the stored state's key says which). Candidate 0 is source_id_for(canonical),
/// so a source without a collision keeps the id it always had. Sources are never deleted, so a
/// free candidate ends a lookup.
#include <string>

namespace pmx {

/// How many ids a source may try; beyond them (only crafted collisions get there) its alerts
/// are refused.
constexpr unsigned kSourceIdCandidates = 8;

/// Candidate `attempt` (0 to kSourceIdCandidates - 1) of the ids of a canonical key; candidate 0
/// is source_id_for(canonical). The others hash the key behind a prefix: with FNV-1a, two keys
/// that collide still collide after the same suffix, but not after the same prefix.
std::string source_id_candidate(const std::string& canonical, unsigned attempt);

}  // namespace pmx
