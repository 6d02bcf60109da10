#include "routes.h"

#include <cctype>
#include <stdexcept>
#include <string_view>

namespace pmx {
namespace {

/// What a prefix may hold as it is: a URL path's unreserved and sub-delimiter characters. No
/// `%`: httplib matches the decoded path, so an encoded prefix would never match as written.
bool path_char(unsigned char c) {
  return std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

std::string regex_escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::string_view(R"(\^$.|?*+()[]{})").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string lower_case(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

Routes::Routes(httplib::Server& server, const std::string& prefix)
    : server_(&server), prefix_(prefix), escaped_prefix_(regex_escaped(prefix)) {}

std::string Routes::under_prefix(const std::string& pattern) const {
  return escaped_prefix_ + pattern;
}

Routes& Routes::Get(const std::string& pattern, httplib::Server::Handler handler) {
  server_->Get(under_prefix(pattern), std::move(handler));
  return *this;
}
Routes& Routes::Post(const std::string& pattern, httplib::Server::Handler handler) {
  server_->Post(under_prefix(pattern), std::move(handler));
  return *this;
}
Routes& Routes::Post(const std::string& pattern,
                     httplib::Server::HandlerWithContentReader handler) {
  server_->Post(under_prefix(pattern), std::move(handler));
  return *this;
}
Routes& Routes::Put(const std::string& pattern, httplib::Server::Handler handler) {
  server_->Put(under_prefix(pattern), std::move(handler));
  return *this;
}
Routes& Routes::Patch(const std::string& pattern, httplib::Server::Handler handler) {
  server_->Patch(under_prefix(pattern), std::move(handler));
  return *this;
}
Routes& Routes::Delete(const std::string& pattern, httplib::Server::Handler handler) {
  server_->Delete(under_prefix(pattern), std::move(handler));
  return *this;
}

std::string link_prefix(const HttpConfig& config) {
  return config.external_url.empty() ? config.route_prefix : external_url_path(config.external_url);
}

std::string external_url_flag(const std::string& url) {
  if (url.empty()) return url;
  const auto bad = [&url](const std::string& why) {
    return std::invalid_argument("--web.external-url " + why + ": " + url);
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    throw bad("must be an absolute URL, http(s)://host[:port][/path]");
  }
  const std::string scheme = lower_case(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") throw bad("must be an http or https URL");
  if (url.find_first_of("?#") != std::string::npos) {
    throw bad("must have no query (?) or fragment (#)");
  }
  for (const char c : url) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c))) {
      throw bad("must not contain spaces or control characters");
    }
  }
  const auto host_start = scheme_end + 3;
  const auto path_start = url.find('/', host_start);
  const std::string authority = url.substr(host_start, path_start - host_start);
  const std::string host_port = authority.substr(authority.rfind('@') + 1);
  if (host_port.empty() || host_port.front() == ':') throw bad("has no host");
  std::string path = path_start == std::string::npos ? "" : url.substr(path_start);
  for (const char c : path) {
    if (!path_char(static_cast<unsigned char>(c))) {
      throw bad("has a path character that would need percent-encoding ('" + std::string(1, c) +
                "')");
    }
  }
  std::string trimmed = url;
  while (trimmed.size() > host_start && trimmed.back() == '/') trimmed.pop_back();
  return trimmed;
}

std::string external_url_path(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  const auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return "";
  std::string path = url.substr(path_start);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

std::string route_prefix_flag(const std::string& prefix) {
  for (const char c : prefix) {
    if (!path_char(static_cast<unsigned char>(c))) {
      throw std::invalid_argument(
          "--web.route-prefix has a character that would need "
          "percent-encoding ('" +
          std::string(1, c) + "'): " + prefix);
    }
  }
  const auto first = prefix.find_first_not_of('/');
  if (first == std::string::npos) return "";
  const auto last = prefix.find_last_not_of('/');
  return "/" + prefix.substr(first, last - first + 1);
}

}  // namespace pmx
