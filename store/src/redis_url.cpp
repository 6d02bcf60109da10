// parse_redis_url: `redis[s]://[[user]:password@]host[:port][/db]`; parse_sentinel_addresses and
// parse_cluster_addresses.
#include <algorithm>
#include <cctype>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "pmx/store/redis_store.h"

namespace pmx {
namespace {

std::optional<RedisEndpoint> fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

std::optional<std::vector<RedisEndpoint>> fail_list(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes, so a password may contain '@', ':' or '/'.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// A non-empty run of digits no larger than `max`.
std::optional<int> parse_number(std::string_view text, long max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  long value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return static_cast<int>(value);
}

}  // namespace

std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error,
                                             bool host_required) {
  constexpr std::string_view kPlain = "redis://";
  constexpr std::string_view kTls = "rediss://";
  RedisEndpoint endpoint;
  endpoint.tls = url.substr(0, kTls.size()) == kTls;
  if (!endpoint.tls && url.substr(0, kPlain.size()) != kPlain) {
    return fail(error, "must start with redis:// or rediss:// (TLS)");
  }
  std::string_view rest = url.substr(endpoint.tls ? kTls.size() : kPlain.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail(error, "query and fragment are not supported");
  }

  // The last '@' ends the credentials: an unencoded '@' in a password still parses.
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    const std::size_t colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      return fail(error, "credentials must be user:password or :password");
    }
    const auto user = percent_decode(credentials.substr(0, colon));
    const auto password = percent_decode(credentials.substr(colon + 1));
    if (!user || !password) return fail(error, "bad percent-encoding in credentials");
    if (password->empty()) return fail(error, "empty password");
    endpoint.user = *user;
    endpoint.password = *password;
    rest = rest.substr(at + 1);
  }

  const std::size_t slash = rest.find('/');
  std::string_view address = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      const auto number = parse_number(db, 1'000'000);
      if (!number) return fail(error, "database must be a number: " + std::string(db));
      endpoint.db = *number;
    }
  }

  std::string_view port;
  if (!address.empty() && address.front() == '[') {  // [::1]:6379
    const std::size_t close = address.find(']');
    if (close == std::string_view::npos) return fail(error, "unterminated [IPv6] host");
    endpoint.host = std::string(address.substr(1, close - 1));
    const std::string_view after = address.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(error, "expected :port after ]");
      port = after.substr(1);
      if (port.empty()) return fail(error, "empty port");
    }
  } else {
    const std::size_t colon = address.rfind(':');
    endpoint.host = std::string(address.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = address.substr(colon + 1);
      if (port.empty()) return fail(error, "empty port");
    }
  }
  if (endpoint.host.empty()) {
    if (!host_required && port.empty()) return endpoint;
    return fail(error, "missing host");
  }
  const bool bracketed = address.front() == '[';
  if (endpoint.host.find_first_of(bracketed ? "[]@/ " : ":[]@/ ") != std::string::npos) {
    return fail(error, "bad host: " + endpoint.host);
  }
  if (!port.empty()) {
    const auto number = parse_number(port, 65535);
    if (!number || *number == 0) return fail(error, "bad port: " + std::string(port));
    endpoint.port = *number;
  }
  return endpoint;
}

namespace {

// `host[:port][,host[:port]...]`: Sentinel's and Redis Cluster's lists have one form, `what`
// names the kind of address in the errors.
std::optional<std::vector<RedisEndpoint>> parse_address_list(std::string_view list,
                                                             int default_port,
                                                             const std::string& what,
                                                             std::string* error) {
  std::vector<RedisEndpoint> endpoints;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) return fail_list(error, "empty " + what + " address");
    // One host[:port] is the address part of a Redis URL without credentials nor db.
    if (item.find_first_of("@/") != std::string_view::npos) {
      return fail_list(error, what + " address must be host[:port]: " + std::string(item));
    }
    std::string why;
    auto endpoint = parse_redis_url("redis://" + std::string(item), &why);
    if (!endpoint) return fail_list(error, what + " " + std::string(item) + ": " + why);
    const bool has_port = item.back() != ']' && item.rfind(':') != std::string_view::npos &&
                          (item.front() != '[' || item.rfind(':') > item.find(']'));
    if (!has_port) endpoint->port = default_port;
    endpoints.push_back(std::move(*endpoint));
    start = comma + 1;
  }
  return endpoints;
}

}  // namespace

std::optional<std::vector<RedisEndpoint>> parse_sentinel_addresses(std::string_view list,
                                                                   std::string* error) {
  return parse_address_list(list, 26379, "sentinel", error);
}

std::optional<std::vector<RedisEndpoint>> parse_cluster_addresses(std::string_view list,
                                                                  std::string* error) {
  return parse_address_list(list, 6379, "cluster node", error);
}

}  // namespace pmx
