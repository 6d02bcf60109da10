#include "pmx/core/rca_loader.h"

#include <map>
#include <utility>

#include "rca_checks.h"
#include "rca_formats.h"

namespace pmx {
namespace {

using nlohmann::json;
using namespace rca_checks;

// --- The schema, property by property (schema/rca.schema.json; keep the two in step) ---------

StringRule id_rule() {
  StringRule rule;
  rule.pattern = Pattern::kId;
  return rule;
}

StringRule title_rule() {  // $defs/title and $defs/person; also the owner's rule
  StringRule rule;
  rule.pattern = Pattern::kNonBlank;
  rule.max_length = 200;
  return rule;
}

StringRule non_empty_rule() {  // $defs/nonEmptyString
  StringRule rule;
  rule.min_length = 1;
  return rule;
}

StringRule format_rule(Format format, bool nullable = false) {
  StringRule rule;
  rule.format = format;
  rule.nullable = nullable;
  return rule;
}

Check text_list() { return array(string(non_empty_rule())); }  // $defs/textList

// dependentRequired: {"revenue_loss": ["currency"]}
void revenue_loss_needs_currency(const json& impact, const std::string& path, Problems& out) {
  if (impact.contains("revenue_loss") && !impact.contains("currency")) {
    out.push_back({child(path, "currency"), "is required when revenue_loss is given"});
  }
}

Check impact() {
  StringRule currency;
  currency.pattern = Pattern::kCurrency;
  ObjectRule rule;
  rule.also = {revenue_loss_needs_currency};
  return object({{"users_affected", count()},
                 {"revenue_loss", non_negative_number()},
                 {"currency", string(currency)},
                 {"sla_breached", boolean()},
                 // No maximum: above 1 records an overspent budget (see the schema).
                 {"error_budget_consumed_ratio", non_negative_number()},
                 {"support_tickets", count()},
                 {"description", string({})}},
                std::move(rule));
}

Check timeline_entry() {
  StringRule event;
  event.pattern = Pattern::kNonBlank;
  return object({{"time", string(format_rule(Format::kDateTime)), true},
                 {"event", string(event), true},
                 {"source", string(non_empty_rule())}});
}

Check action_item() {
  return object({{"id", string(id_rule()), true},
                 {"title", string(title_rule()), true},
                 {"type", one_of({"prevent", "detect", "mitigate", "process"}), true},
                 {"priority", one_of({"P0", "P1", "P2", "P3"}), true},
                 {"owner", string(title_rule()), true},
                 {"due", string(format_rule(Format::kDate)), true},
                 {"status", one_of({"open", "in_progress", "done", "wont_do"}), true},
                 {"ticket", string(format_rule(Format::kUri))},
                 {"completed_at", string(format_rule(Format::kDateTime, true))}});
}

// allOf: if status is `status` then required: `names`
Check status_requires(std::string status, std::vector<std::string> names) {
  return [status = std::move(status), names = std::move(names)](
             const json& rca, const std::string& path, Problems& out) {
    const auto found = rca.find("status");
    if (found == rca.end() || *found != status) return;
    for (const auto& name : names) {
      if (!rca.contains(name)) {
        out.push_back({child(path, name), "is required when status is \"" + status + "\""});
      }
    }
  };
}

// The loader's own rule: JSON Schema's uniqueItems compares whole items, not one property.
void action_item_ids_unique(const json& rca, const std::string& path, Problems& out) {
  const auto items = rca.find("action_items");
  if (items == rca.end() || !items->is_array()) return;
  std::map<std::string, std::size_t> first_index;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json& item = (*items)[i];
    if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) continue;
    const auto [first, inserted] = first_index.emplace(item["id"].get<std::string>(), i);
    if (!inserted) {
      const std::string items_path = child(path, "action_items");
      out.push_back({child(child(items_path, i), "id"), "repeats the id of " +
                                                            child(items_path, first->second) +
                                                            " (action item ids are unique)"});
    }
  }
}

Check rca_document() {
  StringRule root_cause;
  root_cause.pattern = Pattern::kNonBlank;
  root_cause.max_length = 500;
  ArrayRule unique;
  unique.unique = true;
  ArrayRule five;
  five.max_items = 5;
  ObjectRule rule;
  rule.extensions = true;
  rule.also = {status_requires("published", {"root_cause", "published_at"}),
               status_requires("waived", {"waiver_reason"}), action_item_ids_unique};
  StringRule severity;
  severity.pattern = Pattern::kNonBlank;
  severity.max_length = 64;
  StringRule waiver_reason = root_cause;  // non-blank, at most 500
  return object({{"id", string(id_rule()), true},
                 {"title", string(title_rule()), true},
                 {"status", one_of({"draft", "in_review", "published", "waived"}), true},
                 {"severity", string(severity)},
                 {"incident_commander", string(title_rule())},
                 {"owner", string(title_rule())},
                 {"facilitator", string(title_rule())},
                 {"authors", array(string(title_rule()), unique)},
                 {"reviewers", array(string(title_rule()), unique)},
                 {"waiver_reason", string(waiver_reason)},
                 {"impact_started_at", string(format_rule(Format::kDateTime))},
                 {"detected_by", one_of({"monitoring", "customer", "staff"})},
                 {"incidents", array(string(non_empty_rule()), unique)},
                 {"matchers", array(string(non_empty_rule()))},
                 {"summary", string({})},
                 {"impact", impact()},
                 {"timeline", array(timeline_entry())},
                 {"root_cause", string(root_cause)},
                 {"five_whys", array(string(non_empty_rule()), five)},
                 {"contributing_factors", text_list()},
                 {"what_went_well", text_list()},
                 {"what_could_be_improved", text_list()},
                 {"lessons_learned", text_list()},
                 {"action_items", array(action_item())},
                 {"follow_up_reviews", array(string(format_rule(Format::kDate)))},
                 {"created_at", string(format_rule(Format::kDateTime))},
                 {"published_at", string(format_rule(Format::kDateTime))}},
                std::move(rule));
}

// --- Reading the model from a document that passed the checks --------------------------------

std::string text_or_empty(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::optional<UnixNanos> instant_or_unset(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  return rca_format::date_time_nanos(found->get_ref<const std::string&>());
}

std::vector<std::string> strings(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() ? found->get<std::vector<std::string>>()
                               : std::vector<std::string>{};
}

ActionItem read_action_item(const json& item) {
  ActionItem out;
  out.id = item.at("id").get<std::string>();
  out.title = item.at("title").get<std::string>();
  out.type = action_item_type_from(item.at("type").get<std::string>()).value();
  out.priority = priority_from(item.at("priority").get<std::string>()).value();
  out.owner = item.at("owner").get<std::string>();
  out.due = item.at("due").get<std::string>();
  out.due_at = rca_format::end_of_date_nanos(out.due).value();
  out.status = action_item_status_from(item.at("status").get<std::string>()).value();
  out.ticket = text_or_empty(item, "ticket");
  out.completed_at = instant_or_unset(item, "completed_at");
  return out;
}

Rca read_rca(const json& doc) {
  Rca rca;
  rca.id = doc.at("id").get<std::string>();
  rca.title = doc.at("title").get<std::string>();
  rca.status = rca_status_from(doc.at("status").get<std::string>()).value();
  rca.severity = text_or_empty(doc, "severity");
  rca.incidents = strings(doc, "incidents");
  rca.matchers = strings(doc, "matchers");
  rca.created_at = instant_or_unset(doc, "created_at");
  rca.published_at = instant_or_unset(doc, "published_at");
  if (const auto items = doc.find("action_items"); items != doc.end()) {
    for (const auto& item : *items) rca.action_items.push_back(read_action_item(item));
  }
  rca.document = doc;
  return rca;
}

// --- Writing the model back -----------------------------------------------------------------

json action_item_json(const ActionItem& item, json out) {
  out["id"] = item.id;
  out["title"] = item.title;
  out["type"] = to_string(item.type);
  out["priority"] = to_string(item.priority);
  out["owner"] = item.owner;
  out["due"] = item.due;
  out["status"] = to_string(item.status);
  if (!item.ticket.empty()) {
    out["ticket"] = item.ticket;
  } else {
    out.erase("ticket");
  }
  if (item.completed_at) {
    // Keep the text as written (offset, precision) when it still says the same instant.
    const auto was = instant_or_unset(out, "completed_at");
    if (was != item.completed_at) out["completed_at"] = format_rfc3339(*item.completed_at);
  } else if (out.contains("completed_at")) {
    out["completed_at"] = nullptr;
  }
  return out;
}

}  // namespace

Result<Rca> load_rca(const json& doc) {
  // Built once: the checks are immutable and safe to share between threads.
  static const Check kSchema = rca_document();
  Problems problems;
  kSchema(doc, "", problems);
  if (!problems.empty())
    return Error{ErrorCode::kInvalid, "invalid RCA document", {}, std::move(problems)};
  return read_rca(doc);
}

json rca_to_json(const Rca& rca) {
  json doc = rca.document.is_object() ? rca.document : json::object();
  std::map<std::string, json> written;
  if (const auto items = doc.find("action_items"); items != doc.end() && items->is_array()) {
    for (const auto& item : *items) {
      if (item.is_object() && item.contains("id") && item["id"].is_string()) {
        written.emplace(item["id"].get<std::string>(), item);
      }
    }
  }
  if (rca.action_items.empty() && !doc.contains("action_items")) return doc;
  json items = json::array();
  for (const auto& item : rca.action_items) {
    const auto found = written.find(item.id);
    items.push_back(
        action_item_json(item, found != written.end() ? found->second : json::object()));
  }
  doc["action_items"] = std::move(items);
  return doc;
}

std::optional<UnixNanos> rca_due_end(std::string_view date) {
  return rca_format::end_of_date_nanos(date);
}

std::optional<UnixNanos> rca_date_time(std::string_view text) {
  return rca_format::date_time_nanos(text);
}

}  // namespace pmx
