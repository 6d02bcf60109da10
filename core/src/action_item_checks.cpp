#include "pmx/core/action_item_checks.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "pmx/core/rca_loader.h"

namespace pmx {
namespace {

// A team pattern is a flag, not a label value from an alert: RE2's default budget is plenty,
// and a pattern that needs more is refused at start-up with RE2's reason.
std::shared_ptr<const re2::RE2> compile_team_pattern(const std::string& pattern,
                                                     std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(false);
  auto regex = std::make_shared<const re2::RE2>(pattern, options);
  if (!regex->ok()) {
    *error = regex->error();
    return nullptr;
  }
  return regex;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

/// The lower-case words of `text`: runs of ASCII letters and digits.
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

/// Words that name nothing to act on: after a `$` phrase they leave it without an object.
bool filler(const std::string& word) {
  static const std::set<std::string> kFiller{
      "a",      "an",        "and",     "again",    "it",     "more",      "further", "deeper",
      "later",  "the",       "this",    "that",     "issue",  "issues",    "problem", "problems",
      "things", "situation", "closely", "properly", "better", "thoroughly"};
  return kFiller.count(word) > 0;
}

/// Whether `phrase` occurs in `title` (its words) as whole words, and, for a phrase without an
/// object, with only filler after it.
bool uses(const std::vector<std::string>& title, const VaguePhrase& phrase) {
  const auto& words = phrase.words;
  for (auto at = title.begin(); at != title.end();) {
    at = std::search(at, title.end(), words.begin(), words.end());
    if (at == title.end()) return false;
    const auto after = at + static_cast<std::ptrdiff_t>(words.size());
    if (!phrase.without_object || std::all_of(after, title.end(), filler)) return true;
    ++at;
  }
  return false;
}

bool placeholder_owner(const std::string& owner) {
  const std::string value = lower(trimmed(owner));
  if (value.empty()) return true;
  return std::find(kPlaceholderOwners.begin(), kPlaceholderOwners.end(), value) !=
         kPlaceholderOwners.end();
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

UnixNanos start_of_day(UnixNanos t) { return t - t % kNanosPerDay; }

void item_warnings(const ActionItem& item, std::optional<UnixNanos> reference,
                   const ActionItemRules& rules, std::vector<ActionItemWarning>& out) {
  const auto warn = [&](ActionItemWarningKind kind, std::string message) {
    out.push_back({kind, item.id, std::move(message)});
  };
  if (placeholder_owner(item.owner)) {
    warn(ActionItemWarningKind::kNoOwner,
         trimmed(item.owner).empty() ? "no owner: name the person accountable for it"
                                     : "owner " + quoted(trimmed(item.owner)) +
                                           " is a placeholder: name the person accountable for it");
  } else if (rules.team_owner && RE2::PartialMatch(item.owner, *rules.team_owner)) {
    warn(ActionItemWarningKind::kTeamOwner,
         "owner " + quoted(item.owner) + " looks like a team: name one person accountable");
  }
  const auto due_end = rca_due_end(item.due);
  if (trimmed(item.due).empty()) {
    warn(ActionItemWarningKind::kNoDueDate, "no due date");
  } else if (due_end && reference) {
    // Whole days: the due date (its start) against the reference's day plus the horizon.
    const UnixNanos due_day = *due_end - kNanosPerDay;
    const UnixNanos limit = start_of_day(*reference) + rules.max_due_after;
    if (due_day > limit) {
      const auto days = (due_day - start_of_day(*reference)) / kNanosPerDay;
      warn(ActionItemWarningKind::kDueTooLate,
           "due " + item.due + ", " + std::to_string(days) + " days after the RCA (" +
               format_date(*reference) + "): more than " +
               std::to_string(rules.max_due_after / kNanosPerDay) +
               "; split it into steps that can be done sooner");
    }
  }
  const auto title = words_of(item.title);
  for (const auto& phrase : rules.vague_phrases) {
    if (!uses(title, phrase)) continue;
    warn(ActionItemWarningKind::kVagueWording,
         "vague wording " + quoted(phrase.text) +
             ": say what will be done and how to tell it is done");
    break;  // one wording warning per item is enough
  }
  if ((item.priority == Priority::kP0 || item.priority == Priority::kP1) &&
      trimmed(item.ticket).empty()) {
    warn(ActionItemWarningKind::kNoTicket,
         std::string("no ticket link for a ") + to_string(item.priority) + " item");
  }
}

}  // namespace

const char* to_string(ActionItemWarningKind kind) {
  switch (kind) {
    case ActionItemWarningKind::kTooManyItems:
      return "too_many_items";
    case ActionItemWarningKind::kNoOwner:
      return "no_owner";
    case ActionItemWarningKind::kTeamOwner:
      return "team_owner";
    case ActionItemWarningKind::kNoDueDate:
      return "no_due_date";
    case ActionItemWarningKind::kDueTooLate:
      return "due_too_late";
    case ActionItemWarningKind::kVagueWording:
      return "vague_wording";
    case ActionItemWarningKind::kNoTicket:
      return "no_ticket";
  }
  return "unknown";
}

ActionItemRules::ActionItemRules() {
  // Compiled once: the defaults are built for every RcaService, Queries and collector.
  static const std::shared_ptr<const re2::RE2> kTeam = [] {
    std::string error;
    return compile_team_pattern(kDefaultTeamOwnerPattern, &error);
  }();
  static const std::vector<VaguePhrase> kPhrases = *parse_vague_phrases(kDefaultVaguePhrases);
  team_owner = kTeam;
  team_owner_pattern = kDefaultTeamOwnerPattern;
  vague_phrases = kPhrases;
}

Result<std::vector<VaguePhrase>> parse_vague_phrases(const std::string& list) {
  std::vector<VaguePhrase> phrases;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    const std::string written = trimmed(list.substr(start, comma - start));
    std::string entry = lower(written);
    start = comma + 1;
    if (entry.empty()) continue;
    VaguePhrase phrase;
    if (entry.back() == '$') {
      phrase.without_object = true;
      entry = trimmed(entry.substr(0, entry.size() - 1));
    }
    phrase.text = entry;
    phrase.words = words_of(entry);
    if (phrase.words.empty()) {
      return Error{ErrorCode::kInvalid, "vague phrase " + quoted(written) + " has no word in it",
                   "vague_phrases"};
    }
    phrases.push_back(std::move(phrase));
  }
  return phrases;
}

Result<ActionItemRules> make_action_item_rules(const std::string& team_owner_pattern,
                                               const std::string& vague_phrases) {
  ActionItemRules rules;
  rules.team_owner = nullptr;
  rules.team_owner_pattern = team_owner_pattern;
  if (!team_owner_pattern.empty()) {
    std::string error;
    rules.team_owner = compile_team_pattern(team_owner_pattern, &error);
    if (!rules.team_owner) {
      return Error{ErrorCode::kInvalid,
                   "invalid pattern " + quoted(team_owner_pattern) + ": " + error,
                   "team_owner_pattern"};
    }
  }
  auto phrases = parse_vague_phrases(vague_phrases);
  if (!phrases) return phrases.error();
  rules.vague_phrases = std::move(*phrases);
  return rules;
}

std::optional<UnixNanos> rca_reference_date(const Rca& rca) {
  if (rca.created_at) return rca.created_at;
  if (rca.published_at) return rca.published_at;
  const auto& doc = rca.document;
  if (!doc.is_object()) return std::nullopt;
  if (const auto start = doc.find("impact_started_at"); start != doc.end() && start->is_string()) {
    if (const auto t = rca_date_time(start->get_ref<const std::string&>())) return t;
  }
  std::optional<UnixNanos> earliest;
  if (const auto timeline = doc.find("timeline"); timeline != doc.end() && timeline->is_array()) {
    for (const auto& entry : *timeline) {
      if (!entry.is_object() || !entry.contains("time") || !entry["time"].is_string()) continue;
      const auto t = rca_date_time(entry["time"].get_ref<const std::string&>());
      if (t && (!earliest || *t < *earliest)) earliest = t;
    }
  }
  return earliest;
}

std::vector<ActionItemWarning> check_action_items(const Rca& rca, const ActionItemRules& rules) {
  std::vector<ActionItemWarning> warnings;
  const std::size_t open = rca.open_action_items();
  if (open > rules.max_open_items) {
    warnings.push_back({ActionItemWarningKind::kTooManyItems, "",
                        std::to_string(open) + " open action items, more than " +
                            std::to_string(rules.max_open_items) +
                            ": keep the few that stop it happening again"});
  }
  const auto reference = rca_reference_date(rca);
  for (const auto& item : rca.action_items) {
    if (!item.closed()) item_warnings(item, reference, rules, warnings);
  }
  return warnings;
}

}  // namespace pmx
