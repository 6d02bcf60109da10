#include "prometheus.h"

#include <cctype>
#include <fstream>
#include <map>
#include <stdexcept>

#include "command.h"
#include "daemon.h"

namespace pmx::testing {
namespace {

/// Prometheus answers errors with a JSON body too (400 bad_data, 422 execution, 503 timeout),
/// so the body is read whatever the status.
nlohmann::json api_get(int port, const std::string& path, std::string& error) {
  const HttpResponse r = http_get(port, path);
  if (r.status == 0) {
    error = "transport: " + r.error;
    return nullptr;
  }
  const auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    error = "HTTP " + std::to_string(r.status) + ", not JSON: " + r.body.substr(0, 500);
    return nullptr;
  }
  if (body.value("status", "") != "success") {
    error = body.value("errorType", "HTTP " + std::to_string(r.status)) + ": " +
            body.value("error", r.body.substr(0, 500));
    return nullptr;
  }
  return body.value("data", nlohmann::json::object());
}

/// The value Grafana would put in place of a dashboard variable; nullopt for unknown ones.
std::optional<std::string> variable_value(const std::string& name) {
  static const std::map<std::string, std::string> values{
      {"job", "postmortem"}, {"__rate_interval", "1m"}, {"__range", "5m"}, {"__interval", "15s"}};
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Replaces `$name`, `${name}`, `${name:format}` and `[[name]]`. A `$` not followed by a name
/// (a regex anchor such as `=~"a$"`) stays as it is.
std::string substitute(const std::string& expr, const std::string& where) {
  std::string out;
  std::size_t i = 0;
  while (i < expr.size()) {
    std::string name;
    std::size_t end = i;
    if (expr[i] == '$' && i + 1 < expr.size() && expr[i + 1] == '{') {
      end = expr.find('}', i);
      if (end == std::string::npos) throw std::runtime_error(where + ": unclosed ${ in " + expr);
      name = expr.substr(i + 2, end - i - 2);
      name = name.substr(0, name.find(':'));
      ++end;
    } else if (expr[i] == '$') {
      end = i + 1;
      while (end < expr.size() && is_name_char(expr[end])) ++end;
      name = expr.substr(i + 1, end - i - 1);
    } else if (expr.compare(i, 2, "[[") == 0) {
      end = expr.find("]]", i);
      if (end == std::string::npos) throw std::runtime_error(where + ": unclosed [[ in " + expr);
      name = expr.substr(i + 2, end - i - 2);
      end += 2;
    }
    if (name.empty()) {
      out += expr[i++];
      continue;
    }
    const auto value = variable_value(name);
    if (!value) {
      throw std::runtime_error(where + ": unknown dashboard variable '" + name + "' in " + expr);
    }
    out += *value;
    i = end;
  }
  return out;
}

void collect_queries(const nlohmann::json& panels, std::vector<DashboardQuery>& out) {
  for (const auto& panel : panels) {
    const std::string title = panel.value("title", "(untitled)");
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      DashboardQuery q;
      q.panel = title;
      q.ref_id = target.value("refId", "?");
      q.instant = target.value("instant", false) && !target.value("range", true);
      q.expr = substitute(target.value("expr", ""), "panel '" + title + "' " + q.ref_id);
      out.push_back(std::move(q));
    }
    // A collapsed row keeps its panels inside it.
    if (panel.contains("panels")) collect_queries(panel["panels"], out);
  }
}

}  // namespace

std::optional<double> QueryResult::single_value() const {
  if (!ok()) return std::nullopt;
  const nlohmann::json* sample = nullptr;
  if (result_type == "scalar") {
    sample = &result;  // [time, "value"]
  } else if (result_type == "vector" && result.size() == 1) {
    sample = &result[0]["value"];
  }
  if (!sample || !sample->is_array() || sample->size() != 2) return std::nullopt;
  return std::stod((*sample)[1].get<std::string>());
}

Prometheus::Prometheus(Options options)
    : options_(std::move(options)), dir_(make_temp_dir("pmx-prometheus")) {
  const std::string config_path = dir_ + "/prometheus.yml";
  std::ofstream config(config_path);
  // scrape_timeout defaults to 10s, which Prometheus refuses above the interval.
  config << "global:\n"
         << "  scrape_interval: " << options_.interval << "\n"
         << "  scrape_timeout: " << options_.interval << "\n"
         << "  evaluation_interval: " << options_.interval << "\n";
  if (!options_.rule_file.empty()) config << "rule_files:\n  - " << options_.rule_file << "\n";
  if (!options_.alertmanager.empty()) {
    config << "alerting:\n"
           << "  alertmanagers:\n"
           << "    - static_configs:\n"
           << "        - targets: [\"" << options_.alertmanager << "\"]\n";
  }
  config << "scrape_configs:\n"
         << "  - job_name: postmortem\n"
         << "    static_configs:\n"
         << "      - targets:\n";
  for (const auto& target : options_.targets) config << "          - \"" << target << "\"\n";
  config.close();

  const CommandResult check = run_command({"promtool", "check", "config", config_path});
  if (!check.succeeded()) throw std::runtime_error("promtool check config failed: " + check.output);

  for (int attempt = 0; attempt < 3; ++attempt) {
    if (process_) process_->kill_now();
    port_ = free_port();
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"prometheus", "--config.file=" + config_path,
                                 "--storage.tsdb.path=" + dir_ + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        dir_ + "/prometheus.log");
    bool exited = false;
    const bool ready = poll_until(
        [&] {
          if (!process_->running()) return exited = true;
          return http_get(port_, "/-/ready").status == 200;
        },
        std::chrono::seconds(30));
    if (ready && !exited) return;
  }
  throw std::runtime_error("prometheus did not get ready: " + process_->log_tail());
}

QueryResult Prometheus::query(const std::string& expr) const {
  QueryResult answer;
  const nlohmann::json data = api_get(port_, "/api/v1/query?query=" + url_encode(expr),
                                      answer.error);
  if (!answer.ok()) return answer;
  answer.result_type = data.value("resultType", "");
  answer.result = data.value("result", nlohmann::json::array());
  return answer;
}

nlohmann::json Prometheus::rules() const {
  std::string error;
  nlohmann::json data = api_get(port_, "/api/v1/rules", error);
  if (!error.empty()) throw std::runtime_error("GET /api/v1/rules: " + error);
  return data;
}

bool Prometheus::wait_for_scrape(std::chrono::milliseconds deadline) const {
  const auto want = static_cast<double>(options_.targets.size());
  return poll_until(
      [&] { return query("count(up{job=\"postmortem\"} == 1)").single_value() == want; },
      deadline);
}

std::vector<DashboardQuery> dashboard_queries(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read dashboard " + path);
  const nlohmann::json dashboard = nlohmann::json::parse(in);
  std::vector<DashboardQuery> queries;
  collect_queries(dashboard.value("panels", nlohmann::json::array()), queries);
  const nlohmann::json annotations = dashboard.value("annotations", nlohmann::json::object())
                                         .value("list", nlohmann::json::array());
  for (const auto& annotation : annotations) {
    if (!annotation.contains("expr")) continue;  // Grafana's built-in one queries no Prometheus
    DashboardQuery q;
    q.panel = "annotation '" + annotation.value("name", "(unnamed)") + "'";
    q.ref_id = "expr";
    q.expr = substitute(annotation.value("expr", ""), q.panel);
    queries.push_back(std::move(q));
  }
  return queries;
}

}  // namespace pmx::testing
