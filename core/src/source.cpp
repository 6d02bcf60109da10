#include "pmx/core/source.h"

#include <cstdio>
#include <stdexcept>

#include "pmx/core/incident.h"
#include "pmx/core/source_ids.h"

namespace pmx {
namespace {

// Escapes a label value as the Prometheus text format does, so the canonical key is unambiguous.
void append_escaped(std::string& out, const std::string& value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

bool valid_label_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace

std::string source_id_for(const std::string& canonical) {
  return source_id_candidate(canonical, 0);
}

std::string source_id_candidate(const std::string& canonical, unsigned attempt) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64: stable across builds and hosts
  const auto mix = [&hash](const std::string& bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  // A canonical key holds no raw newline (values are escaped): no key starts with "<n>\n".
  if (attempt > 0) mix(std::to_string(attempt) + "\n");
  mix(canonical);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

SourceKey source_key_for(const Labels& alert_labels, const std::vector<std::string>& source_labels) {
  SourceKey key;
  for (const auto& name : source_labels) {
    const auto it = alert_labels.find(name);
    const std::string value = it == alert_labels.end() ? std::string() : it->second;
    if (!key.canonical.empty()) key.canonical += ',';
    key.canonical += name;
    key.canonical += "=\"";
    append_escaped(key.canonical, value);
    key.canonical += '"';
    key.labels[name] = value;
  }
  key.id = source_id_for(key.canonical);
  return key;
}

std::string occurrence_id(const Alert& alert) {
  return alert.fingerprint + "@" + std::to_string(alert.starts_at);
}

std::vector<std::string> parse_label_list(const std::string& text) {
  std::vector<std::string> labels;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (!valid_label_name(name)) throw std::invalid_argument("invalid label name '" + name + "'");
    labels.push_back(name);
    start = end + 1;
  }
  return labels;
}

}  // namespace pmx
