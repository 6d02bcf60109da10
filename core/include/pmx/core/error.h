#pragma once
/// The one error type below the HTTP edge. Expected failures of the stores and of the use cases
/// are values (Result<T>), not exceptions; the edge maps an ErrorCode to an HTTP status in one
/// place (receiver/src/http_util.h). Exceptions are left for programmer and start-up errors.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmx {

enum class ErrorCode {
  kInvalid,      ///< the input breaks rules: see Error::problems (HTTP 422)
  kNotFound,     ///< no such thing (404)
  kReadOnly,     ///< the thing may not be changed this way (409)
  kStale,        ///< the caller's copy is not the stored version (If-Match): 412
  kConflict,     ///< concurrent writers kept winning the compare-and-set; retry later (503)
  kUnavailable,  ///< the store cannot be reached or did not answer in time (503)
  kCorrupt,      ///< a stored document does not have the expected shape (503)
};

/// "store unavailable", "not found", ...: the code's meaning for a person.
const char* to_string(ErrorCode code);

/// One broken rule of an input.
struct Problem {
  /// JSON Pointer (RFC 6901) to the offending value, or to where a missing property belongs:
  /// `/action_items/1/priority`, `/title`. Empty for the input itself (e.g. not an object).
  std::string path;
  /// What is wrong, for a person: `must be one of P0, P1, P2, P3 (is "P4")`.
  std::string message;
};

struct Error {
  Error() = default;
  Error(ErrorCode code, std::string detail, std::string field = {},
        std::vector<Problem> problems = {})
      : code(code), detail(std::move(detail)), field(std::move(field)), problems(std::move(problems)) {}

  ErrorCode code = ErrorCode::kUnavailable;
  /// What failed, naming the key, id or field: "no RCA with id db-1",
  /// "{pm}:v2:src:ab12:state: WRONGTYPE ...". Empty when the code says it all.
  std::string detail;
  std::string field;              ///< the request field or parameter at fault, if one is
  std::vector<Problem> problems;  ///< kInvalid: every broken rule, not just the first
  std::optional<std::int64_t> version;  ///< kStale: the version stored now (0: none)

  /// The detail, or the code's meaning when there is none.
  std::string message() const { return detail.empty() ? to_string(code) : detail; }
};

/// Either a value or an Error.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  Result(ErrorCode code, std::string detail = {})    // NOLINT: implicit by design
      : error_(code, std::move(detail)) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  std::optional<T> value_;
  Error error_;
};

/// The value of a Result that carries none: Result<Done>.
struct Done {};

}  // namespace pmx
