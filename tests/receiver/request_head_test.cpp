// The request head and body as the connection guard reads them (receiver/src/request_head.h,
// request_body.h): the decisions taken before httplib sees a request, one rule per test.
#include "request_head.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <variant>

#include "compression.h"
#include "request_body.h"

namespace pmx {
namespace {

RequestHead parsed(const std::string& text) {
  auto result = parse_request_head(text);
  if (auto* refusal = std::get_if<Refusal>(&result)) {
    ADD_FAILURE() << text << " refused: " << refusal->status << " " << refusal->message;
    return {};
  }
  return std::get<RequestHead>(result);
}

int refusal_status(const std::string& text) {
  auto result = parse_request_head(text);
  auto* refusal = std::get_if<Refusal>(&result);
  return refusal == nullptr ? 0 : refusal->status;
}

/// The bytes of a connection, served from memory.
class MemoryStream final : public httplib::Stream {
 public:
  explicit MemoryStream(std::string data) : data_(std::move(data)) {}
  bool is_readable() const override { return at_ < data_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, data_.size() - at_);
    std::copy_n(data_.data() + at_, n, ptr);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string&, int&) const override {}
  void get_local_ip_and_port(std::string&, int&) const override {}
  socket_t socket() const override { return INVALID_SOCKET; }
  std::size_t consumed() const { return at_; }

 private:
  std::string data_;
  std::size_t at_ = 0;
};

struct BodyRead {
  std::optional<Refusal> refusal;
  std::string body;
  std::size_t consumed = 0;
};

BodyRead read(const std::string& head_text, const std::string& wire, std::size_t max_bytes) {
  const RequestHead head = parsed(head_text);
  MemoryStream stream(wire);
  BodyRead result;
  result.refusal = read_body(stream, head.body, max_bytes, result.body);
  result.consumed = stream.consumed();
  return result;
}

TEST(RequestHead, KeepsHeaderValuesAsSentAndFindsThemIgnoringCase) {
  const RequestHead head = parsed(
      "POST /api/v1/webhook?x=1 HTTP/1.1\r\nHost: a\r\nauthorization:  Bearer a%41 \r\n\r\n");
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.path(), "/api/v1/webhook");
  EXPECT_EQ(head.header("Authorization"), "Bearer a%41");
  EXPECT_TRUE(head.writes());
  EXPECT_FALSE(head.body.has_body());
}

TEST(RequestHead, RefusesWhatCannotBeServedFromTheHeadAlone) {
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i <= 100; ++i) many += "X: y\r\n";
  EXPECT_EQ(refusal_status(many + "\r\n"), 431);
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nX: " + std::string(65 * 1024, 'a') + "\r\n\r\n"),
            431);
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            400);
  EXPECT_EQ(
      refusal_status("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
      400);
  EXPECT_EQ(refusal_status("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
  EXPECT_EQ(refusal_status("POST / HTTP/1.1\r\nContent-Encoding: br\r\n\r\n"), 415);
  EXPECT_EQ(refusal_status("POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n"), 417);
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\nName : smuggled\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status("GET / HTTP/1.1\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status(std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26)), 400);
  EXPECT_EQ(refusal_status("GET / HTTP/2.0\r\n\r\n"), 400);
  EXPECT_EQ(refusal_status("GET  / HTTP/1.1\r\n\r\n"), 400);
}

TEST(RequestHead, HttplibGetsAPlainContentLengthRequestWithoutRange) {
  const RequestHead head = parsed(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"
      "Expect: 100-continue\r\nRange: bytes=0-,0-\r\nIf-Range: x\r\nAuthorization: t\r\n\r\n");
  EXPECT_TRUE(head.expects_continue);
  EXPECT_EQ(head_for_httplib(head, 42),
            "POST /x HTTP/1.1\r\nHost: a\r\nAuthorization: t\r\nContent-Length: 42\r\n\r\n");
  const RequestHead get = parsed("GET /metrics HTTP/1.1\r\nRange: bytes=0-1\r\n\r\n");
  EXPECT_EQ(head_for_httplib(get, 0), "GET /metrics HTTP/1.1\r\n\r\n");
}

TEST(RequestBody, IsDechunkedAndReadToItsEndOnly) {
  const auto read_chunked =
      read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
           "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\nNEXT", 100);
  EXPECT_FALSE(read_chunked.refusal);
  EXPECT_EQ(read_chunked.body, "hello world");
  EXPECT_EQ(read_chunked.consumed, 49u) << "the next request is left on the connection";

  const auto by_length = read("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", "helloNEXT", 100);
  EXPECT_EQ(by_length.body, "hello");
  EXPECT_EQ(by_length.consumed, 5u);
}

TEST(RequestBody, IsRefusedTheMomentItPassesTheLimit) {
  const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const auto big_chunk = read(chunked, "ffffffff\r\n", 1000);
  ASSERT_TRUE(big_chunk.refusal);
  EXPECT_EQ(big_chunk.refusal->status, 413);
  EXPECT_EQ(big_chunk.consumed, 10u) << "refused from the size line alone";

  std::string many;
  for (int i = 0; i < 20; ++i) many += "64\r\n" + std::string(100, 'a') + "\r\n";
  const auto adding_up = read(chunked, many + "0\r\n\r\n", 1000);
  ASSERT_TRUE(adding_up.refusal);
  EXPECT_EQ(adding_up.refusal->status, 413);
  EXPECT_LT(adding_up.consumed, 1200u);

  const auto too_long = read("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", "", 1000);
  ASSERT_TRUE(too_long.refusal);
  EXPECT_EQ(too_long.refusal->status, 413);
}

TEST(RequestBody, IsDecompressedWithinTheLimit) {
  const std::string json = R"({"version":"4","alerts":[]})";
  for (const auto wrapper : {testing::Wrapper::kGzip, testing::Wrapper::kZlib}) {
    const std::string wire = testing::compress(json, wrapper);
    const auto ok = read("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                             std::to_string(wire.size()) + "\r\n\r\n",
                         wire, 1000);
    EXPECT_FALSE(ok.refusal);
    EXPECT_EQ(ok.body, json);
  }
  const std::string bomb = testing::compress(std::string(10 * 1024 * 1024, '\0'));
  const auto refused = read("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                std::to_string(bomb.size()) + "\r\n\r\n",
                            bomb, 64 * 1024);
  ASSERT_TRUE(refused.refusal);
  EXPECT_EQ(refused.refusal->status, 413);
  EXPECT_LE(refused.body.size(), 64u * 1024);

  const std::string truncated = testing::compress(json).substr(0, 10);
  const auto corrupt = read("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                std::to_string(truncated.size()) + "\r\n\r\n",
                            truncated, 1000);
  ASSERT_TRUE(corrupt.refusal);
  EXPECT_EQ(corrupt.refusal->status, 400);
}

TEST(RequestBody, AConnectionThatEndsMidBodyGetsNoAnswer) {
  const auto cut = read("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n", "hello", 100);
  ASSERT_TRUE(cut.refusal);
  EXPECT_EQ(cut.refusal->status, 0);
  const auto malformed =
      read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "zz\r\n", 100);
  ASSERT_TRUE(malformed.refusal);
  EXPECT_EQ(malformed.refusal->status, 400);
}

}  // namespace
}  // namespace pmx
