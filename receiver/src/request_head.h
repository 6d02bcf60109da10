#pragma once
/// A request's head (request line and headers) as the client sent it, read and judged before
/// any byte of its body: bounded in count and size, its body framing and coding decided, and
/// refused with the status a client can act on when it cannot be served.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pmx {

/// At most this many header lines (request line not counted) and bytes of head.
constexpr std::size_t kMaxHeaders = 100;
constexpr std::size_t kMaxHeadBytes = 64 * 1024;

/// An answer sent instead of serving a request, after which the connection is closed.
struct Refusal {
  int status;
  std::string message;  ///< the JSON body's "error"
};

struct Header {
  std::string name;
  std::string value;  ///< without surrounding blanks, never percent-decoded
};

/// How the body arrives and is coded.
struct BodyFraming {
  enum class Transfer { kNone, kLength, kChunked };
  enum class Coding { kIdentity, kCompressed };  ///< compressed: gzip or zlib deflate
  Transfer transfer = Transfer::kNone;
  std::size_t length = 0;  ///< kLength only
  Coding coding = Coding::kIdentity;
  bool has_body() const {
    return transfer == Transfer::kChunked || (transfer == Transfer::kLength && length > 0);
  }
};

struct RequestHead {
  std::string method;
  std::string target;   ///< path and query, as sent
  std::string version;  ///< "HTTP/1.1"
  std::vector<Header> headers;
  BodyFraming body;
  bool expects_continue = false;  ///< Expect: 100-continue

  /// The first value of header `name` (case-insensitive); nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
  std::string path() const { return target.substr(0, target.find('?')); }
  /// POST, PUT, PATCH and DELETE change something and need credentials.
  bool writes() const;
};

/// Parses a head: the request line, then header lines, each ending in LF (CR before it
/// optional), up to and without the empty line. Refuses with 400 (malformed, conflicting
/// Content-Length and Transfer-Encoding), 415 (a Content-Encoding other than identity, gzip or
/// deflate), 417 (an Expect other than 100-continue), 431 (over the bounds above) or 501 (a
/// Transfer-Encoding other than chunked).
std::variant<RequestHead, Refusal> parse_request_head(std::string_view text);

/// The head handed on to cpp-httplib once the body is read and decoded: the request line and
/// headers without the ones this layer has dealt with (framing, coding, Expect) or that only
/// amplify an answer (Range, If-Range), and a Content-Length of the decoded body.
std::string head_for_httplib(const RequestHead& head, std::size_t body_length);

}  // namespace pmx
