#include "alertmanager.h"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "command.h"
#include "daemon.h"

namespace pmx::testing {

namespace {

// The default configuration: every alert to one webhook; a token file in `dir` if asked.
void write_config(std::ofstream& config, const Alertmanager::Options& options,
                  const std::string& dir) {
  config << "route:\n"
         << "  receiver: postmortem\n"
         << "  group_by: [alertname, service]\n"
         << "  group_wait: " << options.group_wait << "\n"
         << "  group_interval: " << options.group_interval << "\n"
         << "  repeat_interval: " << options.repeat_interval << "\n"
         << "receivers:\n"
         << "  - name: postmortem\n"
         << "    webhook_configs:\n"
         << "      - url: " << options.webhook_url << "\n"
         << "        send_resolved: true\n";
  if (!options.bearer_token.empty()) {
    const std::string token_file = dir + "/token";
    std::ofstream(token_file) << options.bearer_token;
    config << "        http_config:\n"
           << "          authorization:\n"
           << "            type: Bearer\n"
           << "            credentials_file: " << token_file << "\n";
  }
}

}  // namespace

Alertmanager::Alertmanager(Options options) : dir_(make_temp_dir("pmx-alertmanager")) {
  config_path_ = dir_ + "/alertmanager.yml";
  std::ofstream config(config_path_);
  if (!options.config.empty()) {
    config << options.config;
  } else {
    write_config(config, options, dir_);
  }
  config.close();

  const CommandResult check = run_command({"amtool", "check-config", config_path_});
  if (!check.succeeded()) throw std::runtime_error("amtool check-config failed: " + check.output);

  for (int attempt = 0; attempt < 3; ++attempt) {
    if (process_) process_->kill_now();
    port_ = free_port();
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"prometheus-alertmanager", "--config.file=" + config_path_,
                                 "--storage.path=" + dir_ + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--cluster.listen-address=", "--log.level=debug"},
        dir_ + "/alertmanager.log");
    bool exited = false;
    const bool ready = poll_until(
        [&] {
          if (!process_->running()) return exited = true;
          return http_get(port_, "/-/ready").status == 200;
        },
        std::chrono::seconds(15));
    if (ready && !exited) return;
  }
  throw std::runtime_error("alertmanager did not get ready: " + process_->log_tail());
}

void Alertmanager::add_alert(const std::map<std::string, std::string>& labels,
                             const std::string& starts_at, const std::string& ends_at) const {
  std::vector<std::string> argv{"amtool", "--alertmanager.url=" + url(), "alert", "add"};
  for (const auto& [k, v] : labels) argv.push_back(k + "=" + v);
  argv.push_back("--start=" + starts_at);
  if (!ends_at.empty()) argv.push_back("--end=" + ends_at);
  const CommandResult result = run_command(argv);
  if (!result.succeeded()) throw std::runtime_error("amtool alert add failed: " + result.output);
}

}  // namespace pmx::testing
