#include "web_rca_form.h"

#include <charconv>
#include <optional>
#include <set>

#include "web_view_text.h"

namespace pmx::web {
namespace {

using nlohmann::json;

/// Each field of the document the form shows, in the form's order: a text input, a
/// paragraph (textarea), a list (textarea, one entry per line), a choice (select) or the
/// timeline (one `<time> <event>` per line).
enum class Kind { kText, kProse, kLines, kChoice, kTimeline };
struct Field {
  const char* key;  ///< the document's key and the form field's name
  const char* label;
  Kind kind;
  const char* hint;
};
constexpr Field kFields[] = {
    {"title", "Title", Kind::kText, "What broke, in a few words."},
    {"status", "Status", Kind::kChoice,
     "Published counts for coverage and time to post-mortem, and needs a root cause."},
    {"severity", "Severity", Kind::kText, ""},
    {"incident_commander", "Incident commander", Kind::kText, ""},
    {"owner", "Post-mortem owner", Kind::kText, "Who writes it and sees it published: a person."},
    {"facilitator", "Facilitator", Kind::kText, "Who runs the review meeting."},
    {"detected_by", "Detected by", Kind::kChoice, ""},
    {"impact_started_at", "Impact started at", Kind::kText,
     "RFC 3339 (2026-11-23T09:40:00Z): when users were first hurt. The detection gap runs "
     "from here to the first alert."},
    {"waiver_reason", "Waiver reason", Kind::kText,
     "Only with the status waived: why no "
     "post-mortem is needed."},
    {"summary", "Summary", Kind::kProse,
     "What happened, for how long, to whom: for readers who read nothing else."},
    {"impact_description", "Impact", Kind::kProse, "Which features, regions and customers."},
    {"timeline", "Timeline", Kind::kTimeline,
     "One entry per line: the time (RFC 3339), a space, what happened."},
    {"root_cause", "Root cause", Kind::kProse, "In one sentence."},
    {"five_whys", "Five whys", Kind::kLines,
     "One answer per line, from the symptom down to the root cause; at most five."},
    {"contributing_factors", "Contributing factors", Kind::kLines, "One per line."},
    {"what_went_well", "What went well", Kind::kLines, "One per line."},
    {"what_could_be_improved", "What could be improved", Kind::kLines, "One per line."},
    {"lessons_learned", "Lessons learned", Kind::kLines, "One per line."},
    {"follow_up_reviews", "Follow-up reviews", Kind::kLines,
     "Dates (2026-12-14), one per line. Empty: 2 and 4 weeks after publication."},
};

constexpr const char* kItemFields[] = {"id",    "title", "type",   "priority",
                                       "owner", "due",   "status", "ticket"};
constexpr std::size_t kBlankItemRows = 2;

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

/// A textarea's non-blank lines, trimmed (browsers send CRLF).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = trimmed(text.substr(start, end - start));
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string joined_lines(const json& list) {
  std::string text;
  for (const auto& entry : list.is_array() ? list : json::array()) {
    text +=
        (text.empty() ? "" : "\n") + (entry.is_string() ? entry.get<std::string>() : entry.dump());
  }
  return text;
}

/// Sets `key` to `value`, or removes it when the form left it empty.
void set_or_erase(json& doc, const std::string& key, json value) {
  const bool empty = value.is_string() ? value.get<std::string>().empty() : value.empty();
  if (empty) {
    doc.erase(key);
  } else {
    doc[key] = std::move(value);
  }
}

std::string text_member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

/// A timeline entry as a line of the form: `<time> <event>`.
std::string timeline_line(const json& entry) {
  return text_member(entry, "time") + " " + text_member(entry, "event");
}

/// The timeline's lines back as entries; a line unchanged from an entry of `base` is that
/// entry, so its source (which the line does not show) is kept.
json timeline_from(const std::string& text, const json& base) {
  std::multimap<std::string, json> unchanged;
  for (const auto& entry : base.is_array() ? base : json::array()) {
    if (entry.is_object()) unchanged.emplace(timeline_line(entry), entry);
  }
  json entries = json::array();
  for (const auto& line : lines_of(text)) {
    const auto kept = unchanged.find(line);
    if (kept != unchanged.end()) {
      entries.push_back(kept->second);
      unchanged.erase(kept);
      continue;
    }
    const auto space = line.find_first_of(" \t");
    json entry{{"time", line.substr(0, space)}, {"event", ""}};
    if (space != std::string::npos) entry["event"] = trimmed(line.substr(space));
    entries.push_back(std::move(entry));
  }
  return entries;
}

/// A field name of an action-item row, `item-<row>` or `item-<row>-<cell>`, split; nullopt for
/// any other name.
struct ItemField {
  std::size_t row = 0;
  std::string cell;  ///< "" for the row itself
};
std::optional<ItemField> item_field(const std::string& name) {
  if (name.rfind("item-", 0) != 0) return std::nullopt;
  ItemField field;
  const char* first = name.data() + 5;
  const char* last = name.data() + name.size();
  const auto [end, ec] = std::from_chars(first, last, field.row);
  if (ec != std::errc() || end == first || (end != last && *end != '-')) return std::nullopt;
  if (end != last) field.cell = std::string(end + 1, last);
  return field;
}

/// The numbers of the action-item rows the form holds (`item-<n>-<field>`), in order.
std::set<std::size_t> item_rows(const FormFields& form) {
  std::set<std::size_t> rows;
  for (const auto& [name, value] : form) {
    const auto field = item_field(name);
    if (field && !field->cell.empty() && field->row < kMaxItemRows) rows.insert(field->row);
  }
  return rows;
}

/// The action items the rows describe, each over the item of `base` with its id (keeping
/// what the row does not show); new rows get the first free id `a<k>`.
json items_from(const FormFields& form, const json& base) {
  std::map<std::string, json> stored;
  for (const auto& item : base.is_array() ? base : json::array()) {
    if (item.is_object()) stored[text_member(item, "id")] = item;
  }
  json items = json::array();
  std::set<std::string> used;
  std::vector<std::size_t> unnamed;
  for (const std::size_t row : item_rows(form)) {
    const std::string prefix = "item-" + std::to_string(row) + "-";
    std::map<std::string, std::string> cells;
    for (const char* name : kItemFields) cells[name] = trimmed(form_value(form, prefix + name));
    if (cells["title"].empty() && cells["owner"].empty() && cells["due"].empty() &&
        cells["ticket"].empty()) {
      continue;  // a blank (or blanked) row
    }
    const auto it = stored.find(cells["id"]);
    json item = it != stored.end() ? it->second : json::object();
    for (const auto& [name, value] : cells) {
      if (name != "ticket") item[name] = value;
    }
    set_or_erase(item, "ticket", cells["ticket"]);
    if (cells["id"].empty()) unnamed.push_back(items.size());
    used.insert(cells["id"]);
    items.push_back(std::move(item));
  }
  std::size_t k = 1;
  for (const std::size_t index : unnamed) {
    while (used.count("a" + std::to_string(k))) ++k;
    items[index]["id"] = "a" + std::to_string(k);
    used.insert("a" + std::to_string(k));
  }
  return items;
}

// --- the view ---

/// The detected_by choices: not set, or who noticed first.
json detection_options(const std::string& chosen) {
  json list = json::array();
  for (const char* value : {"", "monitoring", "customer", "staff"}) {
    list.push_back({{"value", value},
                    {"label", value[0] ? value : "(not set)"},
                    {"selected", chosen == value}});
  }
  return list;
}

/// Where the form shows the problem at `path`: a field's name (`title`, `item-2-owner`) and
/// the message as it reads there ("line 3: must not be empty"), or an empty name when no field
/// shows it.
std::pair<std::string, std::string> placed(const std::string& path, const std::string& message) {
  std::vector<std::string> parts;
  for (std::size_t start = 1; start <= path.size() && !path.empty();) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (parts.empty()) return {"", message};
  const std::string& key = parts[0];
  if (key == "action_items" && parts.size() >= 2) {
    const std::string row = "item-" + parts[1];
    return {parts.size() >= 3 ? row + "-" + parts[2] : row, message};
  }
  if (key == "impact") {
    if (parts.size() == 2 && parts[1] == "description") return {"impact_description", message};
    return {"", message};
  }
  if (key == "id" || key == "status" || key == "detected_by") return {key, message};
  bool shown = false;
  for (const auto& field : kFields) shown = shown || key == field.key;
  if (!shown) return {"", message};
  if (parts.size() == 1) return {key, message};
  // An entry of a list: the line of the textarea it came from.
  std::size_t index = 0;
  std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), index);
  std::string where = "line " + std::to_string(index + 1);
  if (parts.size() >= 3) where += " (" + parts[2] + ")";
  return {key, where + ": " + message};
}

/// How the list of problems names a field: its label ("Root cause", "Action item 2: owner"),
/// else the problem's JSON pointer.
std::string where_in_form(const std::string& field, const std::string& path) {
  for (const auto& each : kFields) {
    if (field == each.key) return each.label;
  }
  if (field == "id") return "Id";
  if (const auto item = item_field(field)) {
    return "Action item " + std::to_string(item->row + 1) +
           (item->cell.empty() ? "" : ": " + item->cell);
  }
  return path.empty() ? "The post-mortem" : path;
}

json item_row(std::size_t row, const json& item) {
  const std::string id = text_member(item, "id");
  json view{{"row", row},
            {"id", id},
            {"legend", id.empty() ? "New item " + std::to_string(row + 1) : "Item " + id},
            {"title", text_member(item, "title")},
            {"owner", text_member(item, "owner")},
            {"due", text_member(item, "due")},
            {"ticket", text_member(item, "ticket")},
            {"types", options(kTypes, text_member(item, "type"))},
            {"priorities", options(kPriorities, text_member(item, "priority"))},
            {"statuses", options(kItemStatuses, text_member(item, "status"))}};
  if (text_member(item, "priority").empty()) view["priorities"][2]["selected"] = true;  // P2
  // Present and null, so that the template never finds the page's own values of these names.
  for (const char* cell :
       {"row", "id", "title", "type", "priority", "owner", "due", "status", "ticket"}) {
    view[std::string(cell) + "_error"] = nullptr;
  }
  return view;
}

}  // namespace

std::string form_value(const FormFields& form, const std::string& name) {
  const auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

json rca_from_form(const FormFields& form, const json& base) {
  json doc = base.is_object() ? base : json::object();
  for (const auto& field : kFields) {
    const std::string text = form_value(form, field.key);
    const std::string key = field.key;
    if (key == "impact_description") {
      json impact =
          doc.contains("impact") && doc["impact"].is_object() ? doc["impact"] : json::object();
      set_or_erase(impact, "description", text);
      set_or_erase(doc, "impact", std::move(impact));
    } else if (field.kind == Kind::kTimeline) {
      set_or_erase(doc, key, timeline_from(text, doc.value(key, json())));
    } else if (field.kind == Kind::kLines) {
      set_or_erase(doc, key, json(lines_of(text)));
    } else {
      set_or_erase(doc, key, field.kind == Kind::kProse ? text : trimmed(text));
    }
  }
  set_or_erase(doc, "action_items", items_from(form, doc.value("action_items", json())));
  return doc;
}

/// The value of a field as the form shows it.
std::string shown_value(const json& doc, const Field& field) {
  const std::string key = field.key;
  if (key == "impact_description") {
    return doc.contains("impact") ? text_member(doc["impact"], "description") : "";
  }
  const auto it = doc.find(key);
  if (it == doc.end()) return "";
  if (field.kind == Kind::kTimeline) {
    std::string text;
    for (const auto& entry : it->is_array() ? *it : json::array()) {
      if (entry.is_object()) text += (text.empty() ? "" : "\n") + timeline_line(entry);
    }
    return text;
  }
  if (field.kind == Kind::kLines) return joined_lines(*it);
  return it->is_string() ? it->get<std::string>() : it->dump();
}

json rca_editor_view(const json& doc, const std::vector<Problem>& problems) {
  json fields = json::array();
  for (const auto& field : kFields) {
    const std::string value = shown_value(doc, field);
    json view{{"name", field.key},
              {"label", field.label},
              {"hint", field.hint[0] ? json(field.hint) : json()},
              {"value", value},
              {"error", nullptr},
              {"text", field.kind == Kind::kText},
              {"prose", field.kind == Kind::kProse},
              {"lines", field.kind == Kind::kLines || field.kind == Kind::kTimeline},
              {"choice", field.kind == Kind::kChoice}};
    if (field.kind == Kind::kChoice) {
      view["options"] = std::string(field.key) == "status" ? options(kRcaStatuses, value)
                                                           : detection_options(value);
    }
    fields.push_back(std::move(view));
  }
  json rows = json::array();
  const json items = doc.value("action_items", json::array());
  for (const auto& item : items.is_array() ? items : json::array()) {
    rows.push_back(item_row(rows.size(), item.is_object() ? item : json::object()));
  }
  for (std::size_t i = 0; i < kBlankItemRows; ++i)
    rows.push_back(item_row(rows.size(), json::object()));

  json listed = json::array();
  std::map<std::string, std::string> beside;  // field name -> its messages
  for (const auto& problem : problems) {
    auto [field, message] = placed(problem.path, problem.message);
    listed.push_back({{"field", field.empty() ? json() : json(field)},
                      {"where", where_in_form(field, problem.path)},
                      {"message", problem.message}});
    if (field.empty()) continue;
    auto& text = beside[field];
    text += (text.empty() ? "" : "; ") + message;
  }
  json id_error;  // the id's field is the new post-mortem's only
  for (const auto& [field, message] : beside) {
    if (field == "id") {
      id_error = message;
      continue;
    }
    if (field.rfind("item-", 0) != 0) {
      for (auto& shown : fields) {
        if (shown["name"] == field) shown["error"] = message;
      }
      continue;
    }
    // item-<row>[-<cell>]: the row's own view holds it.
    const auto item = item_field(field);
    if (!item || item->row >= rows.size()) continue;
    rows[item->row][(item->cell.empty() ? "row" : item->cell) + "_error"] = message;
  }
  return {{"fields", std::move(fields)},      {"id_error", std::move(id_error)},
          {"items", std::move(rows)},         {"problems", std::move(listed)},
          {"problem_count", problems.size()}, {"problems_plural", plural(problems.size())},
          {"has_problems", !problems.empty()}};
}

}  // namespace pmx::web
