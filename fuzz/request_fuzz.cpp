// libFuzzer target: a request as the connection guard reads it off a connection, before httplib
// sees anything (receiver/src/guarded_server.cpp): the head up to its empty line, parsed and
// judged, then the body de-chunked and decompressed within a limit.
//
// Invariants beyond "no crash, no sanitizer finding, no exception escapes":
//   - a refusal has a status httplib never sends for a served request (4xx/5xx) and a message;
//   - the decoded body never passes the limit, whatever the framing and coding;
//   - the head handed on to httplib parses again to the same request line and the same
//     headers (less those the guard dealt with), framed by one Content-Length: nothing is read
//     differently by the second parser.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "request_body.h"
#include "request_head.h"

namespace {

constexpr std::size_t kLimit = 64 * 1024;

class MemoryStream final : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view data) : data_(data) {}
  bool is_readable() const override { return !data_.empty(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, data_.size());
    std::copy_n(data_.data(), n, ptr);
    data_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string&, int&) const override {}
  void get_local_ip_and_port(std::string&, int&) const override {}
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string_view data_;
};

void check_refusal(const pmx::Refusal& refusal) {
  PMX_FUZZ_CHECK(refusal.status == 0 || (refusal.status >= 400 && refusal.status < 600));
  PMX_FUZZ_CHECK(refusal.status == 0 || !refusal.message.empty());
}

void check_rewritten(const pmx::RequestHead& head, std::size_t body_length) {
  // The Content-Length added to a write can make a 100th header the 101st, which the guard
  // would refuse from a client but httplib takes.
  if (head.headers.size() >= pmx::kMaxHeaders) return;
  const std::string rewritten = pmx::head_for_httplib(head, body_length);
  auto again = pmx::parse_request_head(rewritten);
  PMX_FUZZ_CHECK(std::holds_alternative<pmx::RequestHead>(again));
  const auto& second = std::get<pmx::RequestHead>(again);
  PMX_FUZZ_CHECK(second.method == head.method && second.target == head.target &&
                 second.version == head.version);
  PMX_FUZZ_CHECK(!second.header("Range") && !second.header("Transfer-Encoding") &&
                 !second.header("Content-Encoding") && !second.header("Expect"));
  PMX_FUZZ_CHECK(second.body.transfer != pmx::BodyFraming::Transfer::kChunked);
  if (second.body.transfer == pmx::BodyFraming::Transfer::kLength) {
    PMX_FUZZ_CHECK(second.body.length == body_length);
  }
  if (const auto auth = head.header("Authorization")) {
    PMX_FUZZ_CHECK(second.header("Authorization") == auth);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t end = input.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  auto parsed = pmx::parse_request_head(input.substr(0, end + 4));
  if (auto* refusal = std::get_if<pmx::Refusal>(&parsed)) {
    check_refusal(*refusal);
    return 0;
  }
  const auto& head = std::get<pmx::RequestHead>(parsed);
  MemoryStream body_bytes(input.substr(end + 4));
  std::string body;
  const auto refusal = pmx::read_body(body_bytes, head.body, kLimit, body);
  PMX_FUZZ_CHECK(body.size() <= kLimit);
  if (refusal) {
    check_refusal(*refusal);
    return 0;
  }
  check_rewritten(head, body.size());
  return 0;
}
