#pragma once
/// Quality checks on an RCA's action items, as the post-mortem guides (Google SRE book,
/// PagerDuty) describe a good one: few items, each owned by one person, due soon, worded as
/// something that can be done and checked, and tracked in a ticket when it is urgent.
///
/// They are warnings, never rejections: a write that breaks them is stored and answered with
/// them (PUT /api/v1/rcas/{id}), the post-mortem draft and page show them beside the items, and
/// postmortem_action_item_warnings{kind} counts them.
///
/// Only items still open or in progress are checked: a done or won't-do item needs nothing more.
///
/// The schema requires every item's `owner` (not blank) and `due` (a date), so for a stored RCA
/// `no_owner` means a placeholder owner ("TBD", "unassigned", ...) and `no_due_date` can only
/// come from a model built without the document (an empty `due`); both are kept so the checks
/// stay right if the schema ever lets drafts leave them out.
///
/// Pure functions, no I/O, no clock: the "due too late" reference is a date of the RCA itself.
/// ActionItemRules is immutable once built and safe to share between threads.
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "pmx/core/error.h"
#include "pmx/core/rca.h"
#include "pmx/core/time.h"

namespace re2 {
class RE2;
}

namespace pmx {

/// What a warning is about; to_string gives its stable snake_case name (the metric's `kind`
/// label and the API's `kind`).
enum class ActionItemWarningKind {
  kTooManyItems,  ///< more open items than ActionItemRules::max_open_items (the RCA as a whole)
  kNoOwner,       ///< owner empty, blank or a placeholder ("TBD", "unassigned", ...)
  kTeamOwner,     ///< owner matches the team pattern: a team, not a person
  kNoDueDate,     ///< due empty
  kDueTooLate,    ///< due more than ActionItemRules::max_due_after after the RCA's date
  kVagueWording,  ///< the title uses a vague phrase ("look into", "improve", ...)
  kNoTicket,      ///< a P0 or P1 item without a ticket link
};

/// Every kind, in the order warnings of one item are listed (and the metric's series).
inline constexpr std::array<ActionItemWarningKind, 7> kActionItemWarningKinds{
    ActionItemWarningKind::kTooManyItems, ActionItemWarningKind::kNoOwner,
    ActionItemWarningKind::kTeamOwner,    ActionItemWarningKind::kNoDueDate,
    ActionItemWarningKind::kDueTooLate,   ActionItemWarningKind::kVagueWording,
    ActionItemWarningKind::kNoTicket};

/// "too_many_items", "no_owner", "team_owner", "no_due_date", "due_too_late", "vague_wording",
/// "no_ticket".
const char* to_string(ActionItemWarningKind kind);

struct ActionItemWarning {
  ActionItemWarningKind kind = ActionItemWarningKind::kNoOwner;
  std::string item;     ///< the action item's id; empty for a warning on the RCA as a whole
  std::string message;  ///< for a person: "no ticket link for a P1 item"; may quote the item
};

/// A vague phrase of --rca.vague-phrases, read by parse_vague_phrases.
struct VaguePhrase {
  std::string text;                ///< as configured, lower case, without the `$`: "look into"
  std::vector<std::string> words;  ///< its words: {"look", "into"}
  /// Written with a trailing `$`: vague only when nothing but filler ("further", "more", "it",
  /// "the issue", ...) follows it, i.e. with no object: "Investigate" and "Investigate the issue"
  /// are vague, "Investigate why the pool drains at 02:00" is not.
  bool without_object = false;
};

/// Default of --rca.team-owner-pattern (RE2, searched anywhere in the owner, case-insensitive):
/// the words team(s), squad(s), sre, ops, devops, oncall/on-call, guild, tribe, crew or group
/// standing alone (between non-alphanumerics: "team-payments", "@payments-team", "db-sre",
/// "SRE on-call", "ops@example.com"; not "steamboat" nor "Teamwork Ltd"), and GitHub team
/// handles (`@org/team`).
inline constexpr const char* kDefaultTeamOwnerPattern =
    "(^|[^[:alnum:]])(teams?|squads?|sre|ops|devops|on-?call|guild|tribe|crew|group)"
    "([^[:alnum:]]|$)|^@[^/[:space:]]+/";

/// Default of --rca.vague-phrases.
inline constexpr const char* kDefaultVaguePhrases =
    "improve,look into,be more careful,investigate$,monitor$";

/// Owners that say nobody owns the item yet (compared whole, case-insensitive, trimmed).
inline constexpr std::array<const char*, 12> kPlaceholderOwners{
    "tbd", "tba", "todo", "tbc", "unassigned", "unknown", "none", "nobody", "n/a", "na", "?", "-"};

struct ActionItemRules {
  /// Default rules: kDefaultTeamOwnerPattern and kDefaultVaguePhrases.
  ActionItemRules();

  /// More open items than this is one too_many_items warning on the RCA.
  std::size_t max_open_items = 5;
  /// Due later than this after the RCA's reference date (rca_reference_date) is due_too_late.
  UnixNanos max_due_after = 28 * kNanosPerDay;
  /// Owners that look like a team; null: no team check (--rca.team-owner-pattern=).
  std::shared_ptr<const re2::RE2> team_owner;
  std::string team_owner_pattern;  ///< as given, for messages and the start-up log
  std::vector<VaguePhrase> vague_phrases;
};

/// The comma-separated phrases of --rca.vague-phrases: each trimmed and lower-cased, a trailing
/// `$` marking VaguePhrase::without_object; empty entries are skipped. kInvalid naming the entry
/// (field "vague_phrases") when one has no word (letters or digits) in it.
Result<std::vector<VaguePhrase>> parse_vague_phrases(const std::string& list);

/// The rules of the flags: `team_owner_pattern` (RE2; empty: no team check) and `vague_phrases`
/// (parse_vague_phrases; empty: no wording check). kInvalid with the reason, its field naming
/// the argument ("team_owner_pattern", "vague_phrases"), when the pattern does not compile or a
/// phrase has no word.
Result<ActionItemRules> make_action_item_rules(const std::string& team_owner_pattern,
                                               const std::string& vague_phrases);

/// The date "due too late" counts from: created_at, else published_at, else the document's
/// impact_started_at, else its earliest timeline entry; nullopt when the RCA has none of them
/// (then no due_too_late warning).
std::optional<UnixNanos> rca_reference_date(const Rca& rca);

/// The warnings of `rca`'s open and in-progress items: first too_many_items (item ""), then per
/// item in the RCA's order, each item's in kActionItemWarningKinds order. Words are compared
/// case-insensitively on ASCII letters and digits, whole words only ("improvement" is not
/// "improve").
std::vector<ActionItemWarning> check_action_items(const Rca& rca, const ActionItemRules& rules);

}  // namespace pmx
