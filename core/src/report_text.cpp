#include "report_text.h"

#include <cstdio>

namespace pmx {

using nlohmann::json;

std::string stamp(UnixNanos t) { return format_rfc3339_seconds(t); }

std::string human_duration(UnixNanos d) {
  if (d < 0) return "-" + human_duration(-d);
  if (d < kNanosPerSecond) return d == 0 ? "0s" : std::to_string(d / 1'000'000) + "ms";
  const std::int64_t s = d / kNanosPerSecond;
  const std::pair<std::int64_t, const char*> parts[] = {
      {s / kSecondsPerDay, "d"}, {s / 3600 % 24, "h"}, {s / 60 % 60, "m"}, {s % 60, "s"}};
  std::string out;
  for (const auto& [value, unit] : parts) {
    if (value == 0) continue;
    if (!out.empty()) out += ' ';
    out += std::to_string(value) + unit;
  }
  return out;
}

std::string number_text(double value) {
  char buf[512];  // %.2f of the largest double needs 312
  std::snprintf(buf, sizeof buf, "%.2f", value);
  std::string text = buf;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

const json* member(const json& doc, const char* key) {
  if (!doc.is_object()) return nullptr;
  const auto it = doc.find(key);
  return it == doc.end() || it->is_null() ? nullptr : &*it;
}

std::string text_of(const json& doc, const char* key) {
  const json* value = member(doc, key);
  if (!value || !value->is_string()) return "";
  const std::string text = value->get<std::string>();
  return text.find_first_not_of(" \t\r\n") == std::string::npos ? "" : text;
}

std::vector<std::string> list_of(const json& doc, const char* key) {
  std::vector<std::string> items;
  const json* value = member(doc, key);
  if (!value || !value->is_array()) return items;
  for (const auto& item : *value) {
    if (item.is_string() && !item.get<std::string>().empty())
      items.push_back(item.get<std::string>());
  }
  return items;
}

}  // namespace pmx
