#include "daemon.h"

#include <httplib.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "metrics_text.h"

namespace pmx::testing {
namespace {

HttpResponse from_result(const httplib::Result& result) {
  HttpResponse response;
  if (!result) {
    response.error = httplib::to_string(result.error());
    return response;
  }
  response.status = result->status;
  response.body = result->body;
  response.content_type = result->get_header_value("Content-Type");
  return response;
}

httplib::Client make_client(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(15, 0);
  client.set_write_timeout(15, 0);
  return client;
}

/// Whether `flags` choose the store themselves (--storage.*, or Redis through --redis.*).
bool chooses_store(const std::vector<std::string>& flags) {
  for (const auto& flag : flags) {
    if (flag.rfind("--storage.", 0) == 0 || flag.rfind("--redis.", 0) == 0) return true;
  }
  return false;
}

}  // namespace

nlohmann::json HttpResponse::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("HTTP " + std::to_string(status) + " body is not JSON (" +
                             e.what() + "): " + body.substr(0, 500));
  }
}

HttpResponse http_get(int port, const std::string& path) {
  auto client = make_client(port);
  return from_result(client.Get(path));
}

HttpResponse http_post(int port, const std::string& path, const std::string& body,
                       const std::map<std::string, std::string>& headers,
                       const std::string& content_type) {
  auto client = make_client(port);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  return from_result(client.Post(path, h, body, content_type));
}

HttpResponse http_request(int port, const std::string& method, const std::string& path,
                          const std::string& body, const std::string& token,
                          const std::string& content_type) {
  auto client = make_client(port);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  if (method == "GET") return from_result(client.Get(path, headers));
  if (method == "PUT") return from_result(client.Put(path, headers, body, content_type));
  if (method == "POST") return from_result(client.Post(path, headers, body, content_type));
  if (method == "PATCH") return from_result(client.Patch(path, headers, body, content_type));
  if (method == "DELETE") return from_result(client.Delete(path, headers));
  throw std::invalid_argument("http_request: unsupported method " + method);
}

HttpResponse https_request(int port, const std::string& ca_file, const std::string& method,
                           const std::string& path, const std::string& body,
                           const std::map<std::string, std::string>& headers,
                           const std::string& content_type) {
  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path(ca_file.c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(15, 0);
  client.set_write_timeout(15, 0);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  if (method == "GET") return from_result(client.Get(path, h));
  if (method == "POST") return from_result(client.Post(path, h, body, content_type));
  throw std::invalid_argument("https_request: unsupported method " + method);
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Daemon::Daemon(Options options) : Daemon(std::move(options), "") {}

Daemon::Daemon(Options options, std::string tls_ca_file)
    : options_(std::move(options)), tls_ca_file_(std::move(tls_ca_file)),
      dir_(make_temp_dir("pmx-daemon")) {
  std::vector<std::string> argv{daemon_path(), "--log.level=debug"};
  if (!options_.token.empty()) {
    const std::string token_file = dir_ + "/token";
    std::ofstream(token_file) << options_.token << "\n";
    argv.push_back("--web.auth-token-file=" + token_file);
  }
  if (!options_.redis_url.empty()) {
    argv.push_back("--redis.url=" + options_.redis_url);
  } else if (options_.working_dir.empty() && !chooses_store(options_.flags)) {
    // The default store, SQLite, in this daemon's own folder (data/ would be shared by every
    // test run from the same directory, and its lock would keep all but one out).
    argv.push_back("--storage.path=" + dir_ + "/data");
  }
  argv.insert(argv.end(), options_.flags.begin(), options_.flags.end());
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (start_once(argv)) return;
  }
  throw std::runtime_error("postmortem-exporter did not get ready: " + process_->log_tail());
}

bool Daemon::start_once(const std::vector<std::string>& argv_without_listen) {
  if (process_) process_->kill_now();
  port_ = options_.port != 0 ? options_.port : free_port();
  auto argv = argv_without_listen;
  argv.push_back("--web.listen-address=127.0.0.1:" + std::to_string(port_));
  process_ = std::make_unique<ChildProcess>(argv, dir_ + "/daemon.log", options_.working_dir);
  bool exited = false;
  const bool ready = poll_until(
      [&] {
        if (!process_->running()) {
          exited = true;  // e.g. the port got taken between free_port() and bind
          return true;
        }
        return get(options_.wait_path).status == 200;
      },
      std::chrono::seconds(15));
  return ready && !exited;
}

HttpResponse Daemon::post_webhook(const std::string& body) const {
  return post_webhook(body, options_.token);
}

HttpResponse Daemon::get(const std::string& path) const {
  if (!tls_ca_file_.empty()) return https_request(port_, tls_ca_file_, "GET", path);
  return http_get(port_, path);
}

HttpResponse Daemon::post_webhook(const std::string& body, const std::string& token) const {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  if (!tls_ca_file_.empty()) {
    return https_request(port_, tls_ca_file_, "POST", "/api/v1/webhook", body, headers);
  }
  return http_post(port_, "/api/v1/webhook", body, headers);
}

nlohmann::json Daemon::get_json(const std::string& path) const {
  const HttpResponse response = get(path);
  if (response.status != 200) {
    throw std::runtime_error("GET " + path + " -> " + std::to_string(response.status) + " " +
                             response.error + " " + response.body.substr(0, 500));
  }
  return response.json();
}

std::optional<nlohmann::json> Daemon::source(const std::string& key) const {
  const std::string path = "/api/v1/sources/" + url_encode(key);
  const HttpResponse response = get(path);
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) {
    throw std::runtime_error("GET " + path + " -> " + std::to_string(response.status) + " " +
                             response.error + " " + response.body.substr(0, 500));
  }
  return response.json();
}

std::string Daemon::metrics() const {
  const HttpResponse response = get("/metrics");
  if (response.status != 200) {
    throw std::runtime_error("GET /metrics -> " + std::to_string(response.status) + " " +
                             response.error);
  }
  return response.body;
}

std::optional<double> Daemon::metric(const std::string& name,
                                     const std::map<std::string, std::string>& labels) const {
  return metric_value(metrics(), name, labels);
}

}  // namespace pmx::testing
