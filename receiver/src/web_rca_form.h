#pragma once
// The post-mortem editor of the web UI: an RCA document as an HTML form, and a submitted form
// back as a document for RcaService::put, the same use case and validation as the JSON API.
// Lists are one entry per line, action items one table row each; fields the form does not
// show (impact figures, matchers, authors, an item's completed_at...) are kept from the
// document being edited.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pmx/core/error.h"

namespace pmx::web {

/// A submitted form's fields by name (httplib::Params).
using FormFields = std::multimap<std::string, std::string>;

/// Most action-item rows a form may hold: the store's bound on items is lower, and row
/// numbers above it are refused rather than allocated.
inline constexpr std::size_t kMaxItemRows = 500;

/// The value of field `name` in the form, or "" when it has none.
std::string form_value(const FormFields& form, const std::string& name);

/// The document the form describes: `base` with every field the form shows replaced by the
/// form's value (an empty field removes it). An action-item row whose title, owner, due date
/// and ticket are all empty is left out, which is how an item is removed.
nlohmann::json rca_from_form(const FormFields& form, const nlohmann::json& base);

/// The editor's view of `doc`: each field as the form shows it, with the message of every
/// problem (a JSON pointer, as the API's 422 names them) beside the field it is about and all
/// of them listed above the form; a problem no field shows is listed there only. Two empty
/// action-item rows follow the document's.
nlohmann::json rca_editor_view(const nlohmann::json& doc, const std::vector<Problem>& problems);

}  // namespace pmx::web
