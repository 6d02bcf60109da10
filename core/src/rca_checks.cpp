#include "rca_checks.h"

#include <cmath>
#include <map>
#include <utility>

#include "rca_formats.h"

namespace pmx::rca_checks {
namespace {

using nlohmann::json;

// A value as it appears in a message: strings quoted, long ones cut.
std::string shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

// ajv's `integer`: a number without a fraction (5.0 is one), finite (strict mode).
bool is_integer(const json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  const double number = value.get<double>();
  return std::isfinite(number) && std::floor(number) == number;
}

bool is_negative(const json& value) {
  if (value.is_number_unsigned()) return false;
  if (value.is_number_integer()) return value.get<std::int64_t>() < 0;
  return value.get<double>() < 0;
}

const char* pattern_problem(Pattern pattern, std::string_view text) {
  switch (pattern) {
    case Pattern::kNone:
      return nullptr;
    case Pattern::kNonBlank:
      return rca_format::has_non_space(text) ? nullptr : "must not be blank";
    case Pattern::kId:
      return rca_format::is_id(text) ? nullptr
                                     : "must be 1 to 64 letters, digits, '.', '_' or '-', "
                                       "starting with a letter or digit";
    case Pattern::kCurrency:
      return rca_format::is_currency(text)
                 ? nullptr
                 : "must be an ISO 4217 currency code: three upper-case letters (EUR, USD)";
  }
  return nullptr;
}

const char* format_problem(Format format, std::string_view text) {
  static const std::string kYears = "must be in the years " + std::to_string(rca_format::kMinYear) +
                                    " to " + std::to_string(rca_format::kMaxYear);
  switch (format) {
    case Format::kNone:
      return nullptr;
    case Format::kDate:
      if (!rca_format::is_date(text)) return "must be a date written YYYY-MM-DD (RFC 3339)";
      return rca_format::year_in_range(text) ? nullptr : kYears.c_str();
    case Format::kDateTime:
      if (!rca_format::is_date_time(text)) {
        return "must be an RFC 3339 date-time with an offset, e.g. 2026-03-14T09:26:53Z";
      }
      return rca_format::year_in_range(text) ? nullptr : kYears.c_str();
    case Format::kUri:
      return rca_format::is_uri(text) ? nullptr
                                      : "must be an absolute URI, e.g. https://tracker/OPS-1";
  }
  return nullptr;
}

}  // namespace

std::string child(const std::string& path, std::string_view key) {
  std::string out = path + "/";
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& path, std::size_t index) {
  return path + "/" + std::to_string(index);
}

Check string(StringRule rule) {
  return [rule](const json& value, const std::string& path, Problems& out) {
    if (rule.nullable && value.is_null()) return;
    if (!value.is_string()) {
      out.push_back({path, rule.nullable ? "must be a string or null" : "must be a string"});
      return;
    }
    const auto& text = value.get_ref<const std::string&>();
    const std::size_t length = rca_format::char_length(text);
    if (length < rule.min_length) {
      out.push_back({path, "must not be empty"});
    } else if (length > rule.max_length) {
      out.push_back({path, "must be at most " + std::to_string(rule.max_length) +
                               " characters (is " + std::to_string(length) + ")"});
    }
    if (const char* problem = pattern_problem(rule.pattern, text)) out.push_back({path, problem});
    if (const char* problem = format_problem(rule.format, text)) out.push_back({path, problem});
  };
}

Check one_of(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const json& value, const std::string& path, Problems& out) {
    for (const auto& candidate : allowed) {
      if (value.is_string() && value.get_ref<const std::string&>() == candidate) return;
    }
    std::string message = "must be one of ";
    for (std::size_t i = 0; i < allowed.size(); ++i) message += (i ? ", " : "") + allowed[i];
    out.push_back({path, message + " (is " + shown(value) + ")"});
  };
}

Check count() {
  return [](const json& value, const std::string& path, Problems& out) {
    if (!is_integer(value)) {
      out.push_back({path, "must be a whole number (is " + shown(value) + ")"});
    } else if (is_negative(value)) {
      out.push_back({path, "must be >= 0 (is " + shown(value) + ")"});
    }
  };
}

Check non_negative_number() {
  return [](const json& value, const std::string& path, Problems& out) {
    if (!value.is_number() || (value.is_number_float() && !std::isfinite(value.get<double>()))) {
      out.push_back({path, "must be a number (is " + shown(value) + ")"});
    } else if (is_negative(value)) {
      out.push_back({path, "must be >= 0 (is " + shown(value) + ")"});
    }
  };
}

Check boolean() {
  return [](const json& value, const std::string& path, Problems& out) {
    if (!value.is_boolean())
      out.push_back({path, "must be true or false (is " + shown(value) + ")"});
  };
}

Check array(Check item, ArrayRule rule) {
  return [item = std::move(item), rule](const json& value, const std::string& path, Problems& out) {
    if (!value.is_array()) {
      out.push_back({path, "must be an array"});
      return;
    }
    if (value.size() > rule.max_items) {
      out.push_back({path, "must have at most " + std::to_string(rule.max_items) + " items (has " +
                               std::to_string(value.size()) + ")"});
    }
    std::map<json, std::size_t> first_index;  // json orders numbers by value, as == compares
    for (std::size_t i = 0; i < value.size(); ++i) {
      item(value[i], child(path, i), out);
      if (!rule.unique) continue;
      const auto [first, inserted] = first_index.emplace(value[i], i);
      if (!inserted) {
        out.push_back(
            {child(path, i), "repeats " + child(path, first->second) + " (items are unique)"});
      }
    }
  };
}

Check object(std::vector<Property> properties, ObjectRule rule) {
  return [properties = std::move(properties), rule = std::move(rule)](
             const json& value, const std::string& path, Problems& out) {
    if (!value.is_object()) {
      out.push_back({path, "must be an object"});
      return;
    }
    for (const auto& property : properties) {
      const auto found = value.find(property.name);
      if (found != value.end()) {
        property.check(*found, child(path, property.name), out);
      } else if (property.required) {
        out.push_back({child(path, property.name), "is required"});
      }
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string& key = it.key();
      bool known = rule.extensions && key.rfind("x-", 0) == 0;
      for (const auto& property : properties) known = known || property.name == key;
      if (!known) {
        out.push_back({child(path, key), rule.extensions
                                             ? "is not a known property (extensions start with x-)"
                                             : "is not a known property"});
      }
    }
    for (const auto& check : rule.also) check(value, path, out);
  };
}

}  // namespace pmx::rca_checks
