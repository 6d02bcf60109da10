#include "metrics_text.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace pmx::testing {
namespace {

double parse_value(const std::string& s) {
  if (s == "+Inf") return 1.0 / 0.0;
  if (s == "-Inf") return -1.0 / 0.0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) throw std::runtime_error("bad sample value: " + s);
  return v;
}

// Parses `{a="x",b="y\"z"}` starting at line[pos] == '{'; leaves pos after the '}'.
std::map<std::string, std::string> parse_labels(const std::string& line, std::size_t& pos) {
  std::map<std::string, std::string> labels;
  ++pos;  // '{'
  while (pos < line.size() && line[pos] != '}') {
    if (line[pos] == ',' || line[pos] == ' ') {
      ++pos;
      continue;
    }
    const std::size_t eq = line.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
      throw std::runtime_error("bad label in: " + line);
    }
    const std::string name = line.substr(pos, eq - pos);
    std::string value;
    pos = eq + 2;
    while (pos < line.size() && line[pos] != '"') {
      if (line[pos] == '\\' && pos + 1 < line.size()) {
        const char next = line[pos + 1];
        value += next == 'n' ? '\n' : next;
        pos += 2;
      } else {
        value += line[pos++];
      }
    }
    if (pos >= line.size()) throw std::runtime_error("unterminated label value in: " + line);
    ++pos;  // closing quote
    labels[name] = value;
  }
  if (pos >= line.size()) throw std::runtime_error("unterminated label set in: " + line);
  ++pos;  // '}'
  return labels;
}

}  // namespace

std::vector<MetricSample> parse_metrics(const std::string& text) {
  std::vector<MetricSample> samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    std::size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) throw std::runtime_error("bad sample line: " + line);
    sample.name = line.substr(0, pos);
    if (line[pos] == '{') sample.labels = parse_labels(line, pos);
    while (pos < line.size() && line[pos] == ' ') ++pos;
    const std::size_t end = line.find(' ', pos);  // an optional timestamp follows
    sample.value = parse_value(line.substr(pos, end == std::string::npos ? end : end - pos));
    samples.push_back(std::move(sample));
  }
  return samples;
}

std::optional<double> metric_value(const std::string& text, const std::string& name,
                                   const std::map<std::string, std::string>& labels) {
  std::optional<double> sum;
  for (const auto& sample : parse_metrics(text)) {
    if (sample.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      const auto it = sample.labels.find(k);
      if (it == sample.labels.end() || it->second != v) {
        match = false;
        break;
      }
    }
    if (match) sum = sum.value_or(0) + sample.value;
  }
  return sum;
}

std::string metric_type(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  const std::string prefix = "# TYPE " + name + " ";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

}  // namespace pmx::testing
