#include "request_head.h"

#include <algorithm>
#include <cctype>

namespace pmx {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// A header name is an RFC 9110 token: no blanks (`Name : v` is refused, it smuggles), no
/// separators.
bool is_token(std::string_view name) {
  static constexpr std::string_view kSeparators = "\"(),/:;<=>?@[\\]{}";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 && kSeparators.find(c) == std::string_view::npos;
  });
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t lf = text.find('\n');
    std::string_view line = text.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    text.remove_prefix(lf == std::string_view::npos ? text.size() : lf + 1);
  }
  return lines;
}

Refusal bad_request(const std::string& why) { return Refusal{400, why}; }

/// The body's framing from Content-Length and Transfer-Encoding (RFC 9112 6.3).
std::optional<Refusal> decide_transfer(const RequestHead& head, BodyFraming& body) {
  std::optional<std::string> length;
  std::size_t encodings = 0;
  for (const Header& h : head.headers) {
    if (equal_ignoring_case(h.name, "Transfer-Encoding")) {
      ++encodings;
      if (lower(h.value) != "chunked" || encodings > 1) {
        return Refusal{501, "unsupported Transfer-Encoding \"" + h.value + "\" (chunked is)"};
      }
      body.transfer = BodyFraming::Transfer::kChunked;
    } else if (equal_ignoring_case(h.name, "Content-Length")) {
      if (length && *length != h.value) return bad_request("conflicting Content-Length headers");
      length = h.value;
    }
  }
  if (!length) return std::nullopt;
  if (encodings > 0) return bad_request("both Content-Length and Transfer-Encoding");
  const std::string& digits = *length;
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad_request("invalid Content-Length \"" + digits + "\"");
  }
  body.transfer = BodyFraming::Transfer::kLength;
  body.length = std::stoull(digits);
  return std::nullopt;
}

std::optional<Refusal> decide_coding(const RequestHead& head, BodyFraming& body) {
  const auto coding = head.header("Content-Encoding");
  if (!coding) return std::nullopt;
  const std::string name = lower(*coding);
  if (name == "identity") return std::nullopt;
  if (name == "gzip" || name == "x-gzip" || name == "deflate") {
    body.coding = BodyFraming::Coding::kCompressed;
    return std::nullopt;
  }
  return Refusal{
      415, "unsupported Content-Encoding \"" + *coding + "\" (identity, gzip and deflate are)"};
}

}  // namespace

std::optional<std::string> RequestHead::header(std::string_view name) const {
  for (const Header& h : headers) {
    if (equal_ignoring_case(h.name, name)) return h.value;
  }
  return std::nullopt;
}

bool RequestHead::writes() const {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::variant<RequestHead, Refusal> parse_request_head(std::string_view text) {
  if (text.size() > kMaxHeadBytes) return Refusal{431, "request headers over 64 KiB"};
  std::vector<std::string_view> lines = split_lines(text);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();  // the head's end
  if (lines.empty()) return bad_request("empty request");
  if (lines.size() - 1 > kMaxHeaders) return Refusal{431, "more than 100 headers"};

  RequestHead head;
  const std::string_view request_line = lines.front();
  if (std::any_of(request_line.begin(), request_line.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 32 || u == 127;
      })) {
    return bad_request("control character in the request line");
  }
  const std::size_t first = request_line.find(' ');
  const std::size_t second =
      request_line.find(' ', first == std::string_view::npos ? 0 : first + 1);
  if (first == 0 || first == std::string_view::npos || second == std::string_view::npos ||
      second == first + 1 || request_line.find(' ', second + 1) != std::string_view::npos) {
    return bad_request("malformed request line");
  }
  head.method = std::string(request_line.substr(0, first));
  head.target = std::string(request_line.substr(first + 1, second - first - 1));
  head.version = std::string(request_line.substr(second + 1));
  if (head.version != "HTTP/1.1" && head.version != "HTTP/1.0") {
    return bad_request("unsupported protocol version");
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
      return bad_request("malformed header line " + std::to_string(i));
    }
    const std::string_view value = line.substr(colon + 1);
    if (std::any_of(value.begin(), value.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return (u < 32 && c != '\t') || u == 127;
        })) {
      return bad_request("control character in header line " + std::to_string(i));
    }
    head.headers.push_back(
        Header{std::string(line.substr(0, colon)), std::string(trim_blanks(value))});
  }
  if (auto refusal = decide_transfer(head, head.body)) return *refusal;
  if (auto refusal = decide_coding(head, head.body)) return *refusal;
  if (const auto expect = head.header("Expect")) {
    if (lower(*expect) != "100-continue") {
      return Refusal{417, "unsupported Expect \"" + *expect + "\" (100-continue is)"};
    }
    head.expects_continue = head.version == "HTTP/1.1";
  }
  return head;
}

std::string head_for_httplib(const RequestHead& head, std::size_t body_length) {
  static const char* const kDealtWith[] = {
      "Content-Length", "Transfer-Encoding", "Content-Encoding", "Expect", "Range", "If-Range"};
  std::string out = head.method + ' ' + head.target + ' ' + head.version + "\r\n";
  for (const Header& h : head.headers) {
    const bool drop =
        std::any_of(std::begin(kDealtWith), std::end(kDealtWith),
                    [&](const char* name) { return equal_ignoring_case(h.name, name); });
    if (!drop) out += h.name + ": " + h.value + "\r\n";
  }
  // Always for a write: without one httplib would read a body up to the end of the stream.
  if (head.body.has_body() || head.writes())
    out += "Content-Length: " + std::to_string(body_length) + "\r\n";
  return out + "\r\n";
}

}  // namespace pmx
