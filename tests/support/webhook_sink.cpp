#include "webhook_sink.h"

#include <stdexcept>

namespace pmx::testing {

WebhookSink::WebhookSink() {
  server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    std::lock_guard lock(mutex_);
    bodies_[req.path].push_back(body.is_discarded() ? nlohmann::json(req.body) : std::move(body));
    res.status = 200;
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("WebhookSink: cannot listen on 127.0.0.1");
  // bind_to_any_port already listens: connections queue until the thread accepts them.
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

WebhookSink::~WebhookSink() {
  server_.stop();
  thread_.join();
}

std::vector<nlohmann::json> WebhookSink::received(const std::string& path) const {
  std::lock_guard lock(mutex_);
  const auto it = bodies_.find(path);
  return it == bodies_.end() ? std::vector<nlohmann::json>{} : it->second;
}

}  // namespace pmx::testing
