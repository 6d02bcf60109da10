#pragma once
/// A request body read off the connection after its head was accepted: de-chunked and
/// decompressed while it is read, never holding more than the limit. Compressed bombs and
/// endless chunked uploads are refused the moment the decoded body passes the limit.
#include <httplib.h>

#include <optional>
#include <string>

#include "request_head.h"

namespace pmx {

/// The answer to a body over --web.max-request-bytes.
Refusal body_too_large();

/// Reads the body framed and coded as `framing` from `in` into `out`, decoded. At most
/// `max_bytes` are read off the wire and at most `max_bytes` decoded; passing either is a 413.
/// Malformed chunks or compressed data are a 400. A connection that ends or stalls past its
/// deadline mid-body gets a Refusal with status 0: nothing can be answered, it is closed.
std::optional<Refusal> read_body(httplib::Stream& in, const BodyFraming& framing,
                                 std::size_t max_bytes, std::string& out);

}  // namespace pmx
