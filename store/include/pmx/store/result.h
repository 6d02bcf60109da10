#pragma once
/// Expected failures of a store are values, not exceptions: a request handler turns them into
/// 503 so Alertmanager retries.
#include <optional>
#include <utility>

namespace pmx {

enum class StoreError {
  kUnavailable,  ///< the backend cannot be reached or did not answer in time
  kConflict,     ///< concurrent writers kept winning the compare-and-set; retry later
  kCorrupt,      ///< a stored document does not have the expected shape
};

const char* to_string(StoreError error);

/// Either a value or a StoreError.
template <typename T>
class StoreResult {
 public:
  StoreResult(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  StoreResult(StoreError error) : error_(error) {}    // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  StoreError error() const { return error_; }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  std::optional<T> value_;
  StoreError error_ = StoreError::kUnavailable;
};

struct Done {};

}  // namespace pmx
