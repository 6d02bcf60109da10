#pragma once
/// Test support: read samples out of a Prometheus text exposition (format 0.0.4), so a test can
/// assert on the value of one series the way a PromQL selector would pick it.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pmx::testing {

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;  ///< unescaped label values
  double value = 0;
};

/// Parses every sample line (comments and blank lines skipped). Throws std::runtime_error on a
/// line it cannot parse, so a malformed exposition fails the test loudly.
std::vector<MetricSample> parse_metrics(const std::string& text);

/// The value of the one sample named `name` whose labels include all of `labels`; nullopt if
/// there is none. With several matches, their sum (like `sum(name{labels})`).
std::optional<double> metric_value(const std::string& text, const std::string& name,
                                   const std::map<std::string, std::string>& labels = {});

/// The type declared by `# TYPE name ...`, or "" when absent.
std::string metric_type(const std::string& text, const std::string& name);

}  // namespace pmx::testing
