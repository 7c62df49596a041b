// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Result<T>: either a T or a non-OK Status. Thread-compatible like Status.
#pragma once

#include <cassert>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>

#include "streamgate/status.h"

namespace streamgate {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> makes no sense");

 public:
  // Implicit on purpose, so that `return value;` and `return Status::NotFound(...)` both work.
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    // A Result built from an OK status would hold neither a value nor an error.
    if (status_.ok()) status_ = Status::Internal("Result constructed from an OK Status");
  }

  bool ok() const { return value_.has_value(); }
  // OK when a value is held.
  const Status& status() const { return status_; }

  // Precondition: ok(). Checked in debug builds; aborts in release builds rather than read garbage.
  T& value() & { return Checked(), *value_; }
  const T& value() const& { return Checked(), *value_; }
  T&& value() && { return Checked(), std::move(*value_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The value, or `fallback` when this holds an error.
  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void Checked() const {
    if (!value_.has_value()) std::abort();
  }

  std::optional<T> value_;
  Status status_;
};

}  // namespace streamgate

// `STREAMGATE_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from the value, or returns the error.
#define STREAMGATE_ASSIGN_OR_RETURN(lhs, expr) \
  STREAMGATE_ASSIGN_OR_RETURN_IMPL_(STREAMGATE_CONCAT_(streamgate_result_, __LINE__), lhs, expr)
#define STREAMGATE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) return tmp.status();                     \
  lhs = std::move(tmp).value()
