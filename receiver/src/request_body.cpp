#include "request_body.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>

namespace pmx {
namespace {

constexpr std::size_t kPiece = 16 * 1024;
/// A chunk-size line with its extensions; far more than any client sends.
constexpr std::size_t kMaxChunkLine = 4096;

Refusal connection_lost() { return Refusal{0, ""}; }
Refusal malformed(const std::string& what) { return Refusal{400, what}; }

/// Where decoded bytes go: into `out`, inflating a compressed body, never past the limit.
class BodySink {
 public:
  BodySink(BodyFraming::Coding coding, std::size_t max_bytes, std::string& out)
      : max_bytes_(max_bytes), out_(out) {
    if (coding == BodyFraming::Coding::kCompressed) {
      inflater_ = std::make_unique<z_stream>();
      // 15 + 32: a gzip or a zlib header, detected from the data.
      if (inflateInit2(inflater_.get(), 15 + 32) != Z_OK) inflater_.reset();
      compressed_ = true;
    }
  }
  ~BodySink() {
    if (inflater_) inflateEnd(inflater_.get());
  }
  BodySink(const BodySink&) = delete;
  BodySink& operator=(const BodySink&) = delete;

  std::optional<Refusal> add(const char* data, std::size_t size) {
    if (!compressed_) {
      if (out_.size() + size > max_bytes_) return body_too_large();
      out_.append(data, size);
      return std::nullopt;
    }
    if (!inflater_) return Refusal{500, "cannot decompress"};
    if (ended_ && size > 0) return malformed("data after the end of the compressed body");
    z_stream& z = *inflater_;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z.avail_in = static_cast<uInt>(size);
    while (z.avail_in > 0 && !ended_) {
      std::array<char, kPiece> piece;
      z.next_out = reinterpret_cast<Bytef*>(piece.data());
      z.avail_out = piece.size();
      const int status = inflate(&z, Z_NO_FLUSH);
      if (status != Z_OK && status != Z_STREAM_END) return malformed("corrupt compressed body");
      const std::size_t produced = piece.size() - z.avail_out;
      if (out_.size() + produced > max_bytes_) return body_too_large();
      out_.append(piece.data(), produced);
      ended_ = status == Z_STREAM_END;
    }
    if (ended_ && z.avail_in > 0) return malformed("data after the end of the compressed body");
    return std::nullopt;
  }

  std::optional<Refusal> finish() const {
    if (compressed_ && !ended_) return malformed("truncated compressed body");
    return std::nullopt;
  }

 private:
  std::size_t max_bytes_;
  std::string& out_;
  bool compressed_ = false;
  bool ended_ = false;
  std::unique_ptr<z_stream> inflater_;
};

/// Copies `length` bytes of the stream into the sink, a piece at a time.
std::optional<Refusal> copy_bytes(httplib::Stream& in, std::size_t length, BodySink& sink) {
  std::array<char, kPiece> piece;
  while (length > 0) {
    const ssize_t n = in.read(piece.data(), std::min(length, piece.size()));
    if (n <= 0) return connection_lost();
    if (auto refusal = sink.add(piece.data(), static_cast<std::size_t>(n))) return refusal;
    length -= static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

enum class LineRead { kLine, kTooLong, kLost };

/// One line of chunked framing (size line, trailer or the CRLF after data), without its CRLF.
LineRead read_line(httplib::Stream& in, std::string& line) {
  line.clear();
  char c = 0;
  while (line.size() <= kMaxChunkLine) {
    if (in.read(&c, 1) != 1) return LineRead::kLost;
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return LineRead::kLine;
    }
    line.push_back(c);
  }
  return LineRead::kTooLong;
}

std::optional<std::size_t> chunk_size(const std::string& line) {
  const std::size_t end = std::min(line.find(';'), line.size());
  std::size_t digits = end;
  while (digits > 0 && (line[digits - 1] == ' ' || line[digits - 1] == '\t')) --digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  std::size_t size = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = line[i];
    const int value = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (value < 0) return std::nullopt;
    size = size * 16 + static_cast<std::size_t>(value);
  }
  return size;
}

std::optional<Refusal> read_chunks(httplib::Stream& in, std::size_t max_bytes, BodySink& sink) {
  std::size_t on_the_wire = 0;
  std::string line;
  for (;;) {
    const LineRead read = read_line(in, line);
    if (read == LineRead::kLost) return connection_lost();
    const auto size = read == LineRead::kLine ? chunk_size(line) : std::nullopt;
    if (!size) return malformed("malformed chunk size line \"" + line.substr(0, 32) + "\"");
    if (*size == 0) break;
    if (*size > max_bytes - on_the_wire) return body_too_large();
    on_the_wire += *size;
    if (auto refusal = copy_bytes(in, *size, sink)) return refusal;
    if (read_line(in, line) == LineRead::kLost) return connection_lost();
    if (!line.empty()) return malformed("chunk longer than its size");
  }
  // Trailer fields: read and dropped, bounded like headers.
  for (std::size_t trailers = 0;; ++trailers) {
    const LineRead read = read_line(in, line);
    if (read == LineRead::kLost) return connection_lost();
    if (read == LineRead::kLine && line.empty()) return std::nullopt;
    if (read == LineRead::kTooLong || trailers == kMaxHeaders) {
      return Refusal{431, "trailer fields over their bounds"};
    }
  }
}

}  // namespace

Refusal body_too_large() { return Refusal{413, "request body exceeds --web.max-request-bytes"}; }

std::optional<Refusal> read_body(httplib::Stream& in, const BodyFraming& framing,
                                 std::size_t max_bytes, std::string& out) {
  BodySink sink(framing.coding, max_bytes, out);
  std::optional<Refusal> refusal;
  if (framing.transfer == BodyFraming::Transfer::kChunked) {
    refusal = read_chunks(in, max_bytes, sink);
  } else if (framing.transfer == BodyFraming::Transfer::kLength) {
    refusal = framing.length > max_bytes ? body_too_large() : copy_bytes(in, framing.length, sink);
  }
  if (refusal) return refusal;
  return framing.has_body() ? sink.finish() : std::nullopt;
}

}  // namespace pmx
