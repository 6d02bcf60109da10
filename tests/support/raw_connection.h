#pragma once
/// Test support: a raw TCP connection to the daemon, for clients no HTTP library would be
/// (slow, huge, malformed or hostile requests), and the daemon's peak memory.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

namespace pmx::testing {

/// One HTTP response as read off the wire; status 0 when none arrived in time.
struct RawResponse {
  int status = 0;
  std::string head;  ///< status line and headers
  std::string body;
  /// The value of a response header (case-insensitive name), empty when absent.
  std::string header(std::string_view name) const;
};

class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Sends all of `data`; false as soon as the server has closed or reset the connection.
  bool send(std::string_view data);
  /// Whether a response (or the server's close) is waiting to be read within `timeout`.
  bool readable(std::chrono::milliseconds timeout);
  /// Reads one response: its head, and a body of its Content-Length (none for 1xx).
  RawResponse read_response(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True once the server has closed the connection (end of stream or reset) within
  /// `timeout`; whatever it sent before is skipped.
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::milliseconds(50));

 private:
  int fd_;
  std::string pending_;  ///< bytes read past the last response
};

/// The peak resident memory of a process (VmHWM) in bytes; -1 when it cannot be read.
long peak_rss_bytes(pid_t pid);

}  // namespace pmx::testing
